// ckitpeer: a Go memberlist (Debian 0.2.2) member on an HTTP/2 transport in ckit's gossiphttp wire
// format, written for the gossamer interop suite from docs/protocols/ckit.md (not ckit's
// code). Server: h2c (golang.org/x/net/http2/h2c) on one port, routes POST
// /api/v1/ckit/transport/{message,stream}, Content-Type application/x.ckit, frames CC u16 / CD u32;
// checks in ckit's order (503 shut down, 505 not HTTP/2, 400 content type or bad frame). Client:
// x/net/http2 Transport with AllowHTTP (h2c prior knowledge), one POST per packet, full-duplex POST per
// stream. It also speaks ckit's node-layer gossip: State messages (12 01 01 + msgpack) and the
// push/pull local state {CurrentTime, NodeStates}, encoded with go-msgpack like ckit.
//
// JSON lines on stdout: ready, join, members (on change), msg, state (a State gossip received),
// remotestate (a push/pull local state merged), node events. Commands on stdin:
//
//	send NAME TEXT      best-effort user message (-> /message)
//	sendrel NAME TEXT   reliable user message (-> /stream)
//	state N             broadcast our ckit state N (0 viewer, 1 participant, 2 terminating)
//	pushpull ADDR       one push/pull with ADDR (memberlist Join): its state arrives as remotestate
//	stats               /message requests seen, open, without a declared length, and frames read
//	members | leave | quit
//
// -require-length makes /message answer 411 to requests without a content-length (a peer that does not
// take streamed bodies).
//
// Stdin EOF shuts it down.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/memberlist"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(v map[string]interface{}) {
	out.Lock()
	defer out.Unlock()
	_ = out.enc.Encode(v)
}

// ---- framing: CC | u16 BE len | payload, or CD | u32 BE len | payload

func writeFrame(w io.Writer, p []byte) error {
	var h []byte
	if len(p) <= 0xffff {
		h = []byte{0xcc, byte(len(p) >> 8), byte(len(p))}
	} else {
		h = make([]byte, 5)
		h[0] = 0xcd
		binary.BigEndian.PutUint32(h[1:], uint32(len(p)))
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	h := make([]byte, 5)
	if _, err := io.ReadFull(r, h[:3]); err != nil {
		return nil, err
	}
	var n int
	switch h[0] {
	case 0xcc:
		n = int(binary.BigEndian.Uint16(h[1:3]))
	case 0xcd:
		if _, err := io.ReadFull(r, h[3:5]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint32(h[1:5]))
		if n > 64<<20 {
			return nil, fmt.Errorf("frame of %d bytes too large", n)
		}
	default:
		return nil, fmt.Errorf("bad magic byte %x", h[0])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return p, err
}

// ---- a net.Conn over one HTTP/2 stream (request body + response body)

type h2conn struct {
	r       io.ReadCloser
	w       io.Writer
	flush   func()
	local   net.Addr
	remote  net.Addr
	onClose func()

	once     sync.Once
	closed   chan struct{}
	readDone chan struct{}
	linger   time.Duration
	frames   chan []byte
	readErr  error
	buf      []byte
	mu       sync.Mutex
	deadline time.Time
	wmu      sync.Mutex
}

// linger > 0 (the dialing side): Close ends the request body and waits up to linger for the peer to
// end its side before cancelling the request, so what was written still leaves (see Close).
func newConn(r io.ReadCloser, w io.Writer, flush func(), local, remote net.Addr, onClose func(), linger time.Duration) *h2conn {
	c := &h2conn{r: r, w: w, flush: flush, local: local, remote: remote, onClose: onClose, linger: linger, closed: make(chan struct{}), readDone: make(chan struct{}), frames: make(chan []byte, 16)}
	go func() {
		defer close(c.readDone)
		defer close(c.frames)
		for {
			p, err := readFrame(c.r)
			if err != nil {
				c.mu.Lock()
				c.readErr = err
				c.mu.Unlock()
				return
			}
			select {
			case c.frames <- p:
			case <-c.closed:
				// Closed: keep reading (and dropping) until the peer ends its side.
			}
		}
	}()
	return c
}

func (c *h2conn) Read(b []byte) (int, error) {
	for len(c.buf) == 0 {
		c.mu.Lock()
		dl := c.deadline
		c.mu.Unlock()
		var timeout <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case p, ok := <-c.frames:
			if !ok {
				c.mu.Lock()
				err := c.readErr
				c.mu.Unlock()
				if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
					err = io.EOF
				}
				return 0, err
			}
			c.buf = p
		case <-timeout:
			return 0, os.ErrDeadlineExceeded
		case <-c.closed:
			return 0, io.EOF
		}
	}
	n := copy(b, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *h2conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := writeFrame(c.w, b); err != nil {
		return 0, err
	}
	if c.flush != nil {
		c.flush()
	}
	return len(b), nil
}

// Close ends our side like closing a TCP connection: what Write returned for still reaches the peer.
// On the dialing side a Write has only handed its bytes to the HTTP/2 client's body pipe, not sent
// them; closing the response body or cancelling the request now would abort the stream and drop them.
// So the request body is ended (END_STREAM follows the data) and the stream is torn down once the
// peer has ended its side, or after linger.
func (c *h2conn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		if wc, ok := c.w.(io.Closer); ok {
			_ = wc.Close()
		}
		finish := func() {
			_ = c.r.Close()
			if c.onClose != nil {
				c.onClose()
			}
		}
		if c.linger <= 0 {
			finish()
			return
		}
		go func() {
			t := time.NewTimer(c.linger)
			defer t.Stop()
			select {
			case <-c.readDone:
			case <-t.C:
			}
			finish()
		}()
	})
	return nil
}

func (c *h2conn) LocalAddr() net.Addr  { return c.local }
func (c *h2conn) RemoteAddr() net.Addr { return c.remote }
func (c *h2conn) SetDeadline(t time.Time) error {
	return c.SetReadDeadline(t)
}
func (c *h2conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}
func (c *h2conn) SetWriteDeadline(time.Time) error { return nil }

// ---- the memberlist transport

const ctype = "application/x.ckit"

type transport struct {
	client   *http.Client
	packetCh chan *memberlist.Packet
	streamCh chan net.Conn
	out      chan [2]interface{}
	down     atomic.Bool
	ip       net.IP
	port     int
	srv      *http.Server

	// -require-length: answer 411 to a /message request that does not declare its length (a server or
	// proxy that wants whole bodies), as a peer that does not take streamed bodies would.
	requireLength bool
	// /message requests seen, still open, without a declared length, and frames read from them.
	msgRequests, msgOpen, msgStreamed, msgFrames atomic.Int64
}

func tcpAddr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		return &net.TCPAddr{}
	}
	return a
}

func (t *transport) check(w http.ResponseWriter, r *http.Request) bool {
	if t.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return false
	}
	if r.ProtoMajor != 2 {
		w.WriteHeader(http.StatusHTTPVersionNotSupported)
		return false
	}
	if r.Header.Get("Content-Type") != ctype {
		w.WriteHeader(http.StatusBadRequest)
		return false
	}
	return true
}

func (t *transport) handleMessage(w http.ResponseWriter, r *http.Request) {
	if !t.check(w, r) {
		return
	}
	t.msgRequests.Add(1)
	t.msgOpen.Add(1)
	defer t.msgOpen.Add(-1)
	if r.ContentLength < 0 {
		t.msgStreamed.Add(1)
		if t.requireLength {
			w.WriteHeader(http.StatusLengthRequired)
			return
		}
	}
	now := time.Now()
	from := tcpAddr(r.RemoteAddr)
	// Each frame is delivered as soon as it has been read, while the body may still be open.
	for {
		p, err := readFrame(r.Body)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		t.msgFrames.Add(1)
		t.packetCh <- &memberlist.Packet{Buf: p, From: from, Timestamp: now}
	}
	w.WriteHeader(http.StatusOK)
}

func (t *transport) handleStream(w http.ResponseWriter, r *http.Request) {
	if !t.check(w, r) {
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		w.WriteHeader(http.StatusHTTPVersionNotSupported)
		return
	}
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	done := make(chan struct{})
	var once sync.Once
	c := newConn(r.Body, w, fl.Flush, &net.TCPAddr{IP: t.ip, Port: t.port}, tcpAddr(r.RemoteAddr), func() { once.Do(func() { close(done) }) }, 0)
	select {
	case t.streamCh <- c:
	case <-r.Context().Done():
		return
	}
	select {
	case <-done:
	case <-r.Context().Done():
		_ = c.Close()
	}
}

func (t *transport) FinalAdvertiseAddr(string, int) (net.IP, int, error) { return t.ip, t.port, nil }
func (t *transport) PacketCh() <-chan *memberlist.Packet                { return t.packetCh }
func (t *transport) StreamCh() <-chan net.Conn                          { return t.streamCh }

func (t *transport) WriteTo(b []byte, addr string) (time.Time, error) {
	item := [2]interface{}{append([]byte(nil), b...), addr}
	for {
		select {
		case t.out <- item:
			return time.Now(), nil
		default:
			select { // full: drop the oldest
			case <-t.out:
			default:
			}
		}
	}
}

func (t *transport) sender() {
	for item := range t.out {
		b, addr := item[0].([]byte), item[1].(string)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var body bytes.Buffer
		_ = writeFrame(&body, b)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/ckit/transport/message", &body)
		req.Header.Set("Content-Type", ctype)
		resp, err := t.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		cancel()
	}
}

func (t *transport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(timeout, cancel)
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/ckit/transport/stream", pr)
	req.Header.Set("Content-Type", ctype)
	resp, err := t.client.Do(req)
	timer.Stop()
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		return nil, fmt.Errorf("stream answered %d", resp.StatusCode)
	}
	return newConn(resp.Body, pw, nil, &net.TCPAddr{IP: t.ip, Port: t.port}, tcpAddr(addr), cancel, 2*time.Second), nil
}

func (t *transport) Shutdown() error {
	t.down.Store(true)
	return nil
}

// ---- ckit node-layer gossip (States and push/pull local state)

type State struct {
	NodeName string
	NewState uint
	Time     uint64
}

type localState struct {
	CurrentTime uint64
	NodeStates  []State
}

type delegate struct {
	mu     sync.Mutex
	name   string
	clock  uint64
	states map[string]State
	queue  *memberlist.TransmitLimitedQueue
}

type stateBcast struct {
	name string
	msg  []byte
}

func (b *stateBcast) Invalidates(o memberlist.Broadcast) bool {
	x, ok := o.(*stateBcast)
	return ok && x.name == b.name
}
func (b *stateBcast) Message() []byte { return b.msg }
func (b *stateBcast) Finished()       {}

func mp(v interface{}) []byte {
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, &codec.MsgpackHandle{}).Encode(v); err != nil {
		log.Fatalf("msgpack: %v", err)
	}
	return buf
}

func (d *delegate) observe(t uint64) {
	if t >= d.clock {
		d.clock = t + 1
	}
}

func (d *delegate) NodeMeta(int) []byte { return nil }
func (d *delegate) NotifyMsg(b []byte) {
	if len(b) >= 3 && b[0] == 0x12 && b[1] == 0x01 && b[2] == 0x01 {
		var s State
		if err := codec.NewDecoderBytes(b[3:], &codec.MsgpackHandle{}).Decode(&s); err != nil {
			emit(map[string]interface{}{"ev": "error", "err": "state: " + err.Error()})
			return
		}
		d.mu.Lock()
		d.observe(s.Time)
		if cur, ok := d.states[s.NodeName]; !ok || s.Time > cur.Time {
			d.states[s.NodeName] = s
		}
		d.mu.Unlock()
		emit(map[string]interface{}{"ev": "state", "node": s.NodeName, "state": s.NewState, "time": s.Time, "hex": fmt.Sprintf("%x", b)})
		return
	}
	emit(map[string]interface{}{"ev": "msg", "data": string(b)})
}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return d.queue.GetBroadcasts(overhead, limit) }
func (d *delegate) LocalState(bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	ls := localState{CurrentTime: d.clock}
	for _, s := range d.states {
		ls.NodeStates = append(ls.NodeStates, s)
	}
	sort.Slice(ls.NodeStates, func(i, j int) bool { return ls.NodeStates[i].NodeName < ls.NodeStates[j].NodeName })
	return mp(&ls)
}
func (d *delegate) MergeRemoteState(b []byte, join bool) {
	var ls localState
	if err := codec.NewDecoderBytes(b, &codec.MsgpackHandle{}).Decode(&ls); err != nil {
		emit(map[string]interface{}{"ev": "error", "err": "remote state: " + err.Error()})
		return
	}
	d.mu.Lock()
	d.observe(ls.CurrentTime)
	for _, s := range ls.NodeStates {
		if cur, ok := d.states[s.NodeName]; !ok || s.Time > cur.Time {
			d.states[s.NodeName] = s
		}
	}
	d.mu.Unlock()
	states := []map[string]interface{}{}
	for _, s := range ls.NodeStates {
		states = append(states, map[string]interface{}{"node": s.NodeName, "state": s.NewState, "time": s.Time})
	}
	emit(map[string]interface{}{"ev": "remotestate", "join": join, "time": ls.CurrentTime, "states": states})
}

type events struct{}

func (events) NotifyJoin(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "join", "name": n.Name, "addr": n.Address()})
}
func (events) NotifyLeave(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "leave", "name": n.Name, "state": int(n.State)})
}
func (events) NotifyUpdate(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "update", "name": n.Name})
}

func memberList(m *memberlist.Memberlist) []map[string]interface{} {
	nodes := m.Members()
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	list := []map[string]interface{}{}
	for _, n := range nodes {
		list = append(list, map[string]interface{}{"name": n.Name, "addr": n.Address(), "state": int(n.State)})
	}
	return list
}

func main() {
	name := flag.String("name", "", "node name")
	bind := flag.String("bind", "127.0.0.1", "bind address (IP)")
	join := flag.String("join", "", "comma-separated host:port list")
	duration := flag.Duration("duration", 5*time.Minute, "shut down after this long")
	requireLength := flag.Bool("require-length", false, "answer 411 to /message requests without a content-length")
	flag.Parse()

	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, "0"))
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	t := &transport{
		client: &http.Client{Transport: &http2.Transport{AllowHTTP: true, DialTLS: func(network, addr string, _ *tls.Config) (net.Conn, error) {
			return net.Dial(network, addr)
		}}},
		packetCh: make(chan *memberlist.Packet, 1000),
		streamCh: make(chan net.Conn),
		out:      make(chan [2]interface{}, 1000),
		ip:       net.ParseIP(*bind),
		port:     port,

		requireLength: *requireLength,
	}
	if v4 := t.ip.To4(); v4 != nil {
		t.ip = v4
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/ckit/transport/message", t.handleMessage)
	mux.HandleFunc("/api/v1/ckit/transport/stream", t.handleStream)
	t.srv = &http.Server{Handler: h2c.NewHandler(mux, &http2.Server{})}
	go func() { _ = t.srv.Serve(ln) }()
	go t.sender()

	conf := memberlist.DefaultLocalConfig()
	conf.Name = *name
	conf.Transport = t
	conf.AdvertiseAddr = *bind
	conf.AdvertisePort = port
	conf.DisableTcpPings = true
	conf.UDPBufferSize = 10 * 1024 * 1024
	conf.TCPTimeout = 5 * time.Second
	conf.Logger = log.New(os.Stderr, conf.Name+" ", log.Lmicroseconds)
	d := &delegate{name: *name, states: map[string]State{}}
	conf.Delegate = d
	conf.Events = events{}
	m, err := memberlist.Create(conf)
	if err != nil {
		emit(map[string]interface{}{"ev": "fatal", "err": err.Error()})
		os.Exit(1)
	}
	d.queue = &memberlist.TransmitLimitedQueue{NumNodes: m.NumMembers, RetransmitMult: conf.RetransmitMult}
	emit(map[string]interface{}{"ev": "ready", "name": *name, "addr": *bind, "port": port})

	if *join != "" {
		n, err := m.Join(strings.Split(*join, ","))
		e := ""
		if err != nil {
			e = err.Error()
		}
		emit(map[string]interface{}{"ev": "join", "contacted": n, "err": e})
	}

	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }
	go func() {
		last := ""
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				l := memberList(m)
				b, _ := json.Marshal(l)
				if string(b) != last {
					last = string(b)
					emit(map[string]interface{}{"ev": "members", "members": l})
				}
			}
		}
	}()
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			f := strings.SplitN(strings.TrimSpace(sc.Text()), " ", 3)
			switch f[0] {
			case "send", "sendrel":
				if len(f) < 3 {
					continue
				}
				var to *memberlist.Node
				for _, x := range m.Members() {
					if x.Name == f[1] {
						to = x
					}
				}
				if to == nil {
					emit(map[string]interface{}{"ev": "error", "err": "no such member " + f[1]})
					continue
				}
				if f[0] == "send" {
					err = m.SendBestEffort(to, []byte(f[2]))
				} else {
					err = m.SendReliable(to, []byte(f[2]))
				}
				e := ""
				if err != nil {
					e = err.Error()
				}
				emit(map[string]interface{}{"ev": "sent", "to": f[1], "err": e})
			case "state":
				n, _ := strconv.Atoi(f[1])
				d.mu.Lock()
				d.clock++
				s := State{NodeName: *name, NewState: uint(n), Time: d.clock}
				d.states[*name] = s
				d.mu.Unlock()
				msg := append([]byte{0x12, 0x01, 0x01}, mp(&s)...)
				d.queue.QueueBroadcast(&stateBcast{name: *name, msg: msg})
				emit(map[string]interface{}{"ev": "statequeued", "time": s.Time, "hex": fmt.Sprintf("%x", msg)})
			case "pushpull":
				// A push/pull with one address (memberlist's Join does exactly one), as the periodic
				// anti-entropy would: the remote state it merges is logged as remotestate.
				if len(f) < 2 {
					continue
				}
				_, err := m.Join([]string{f[1]})
				e := ""
				if err != nil {
					e = err.Error()
				}
				emit(map[string]interface{}{"ev": "pushpull", "addr": f[1], "err": e})
			case "members":
				emit(map[string]interface{}{"ev": "members", "members": memberList(m)})
			case "stats":
				emit(map[string]interface{}{"ev": "stats", "messageRequests": t.msgRequests.Load(), "messageOpen": t.msgOpen.Load(), "messageStreamed": t.msgStreamed.Load(), "messageFrames": t.msgFrames.Load()})
			case "leave":
				_ = m.Leave(2 * time.Second)
				emit(map[string]interface{}{"ev": "left"})
			case "quit":
				stop()
				return
			}
		}
		stop()
	}()
	select {
	case <-done:
	case <-time.After(*duration):
	}
	_ = m.Shutdown()
	_ = t.srv.Close()
	emit(map[string]interface{}{"ev": "exit"})
}
