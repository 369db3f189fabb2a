// mlpeer: a small Go memberlist (Debian 0.2.2) test peer driven by the gossamer interop suite.
// Built in GOPATH mode against /usr/share/gocode (docs/protocols/memberlist.md §16.2). It prints JSON lines on
// stdout (ready, join, members on every change (meta in hex), user messages, merged remote state, node events) and
// takes text commands on stdin:
//
//	send NAME TEXT      best-effort (UDP) user message to member NAME
//	sendrel NAME TEXT   reliable (TCP) user message to member NAME
//	bcast TEXT          queue a user broadcast (piggy-backed on gossip)
//	members             print the member list now
//	leave               Leave(2s), prints {"ev":"left"}
//	quit                Shutdown and exit
//
// Stdin EOF also shuts down, so the peer never outlives its test.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/memberlist"
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

type bcast struct{ msg []byte }

func (b *bcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b *bcast) Message() []byte                       { return b.msg }
func (b *bcast) Finished()                             {}

type delegate struct {
	meta      []byte
	userState []byte
	queue     *memberlist.TransmitLimitedQueue
}

func (d *delegate) NodeMeta(limit int) []byte { return d.meta }
func (d *delegate) NotifyMsg(b []byte) {
	emit(map[string]interface{}{"ev": "msg", "data": string(b)})
}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}
func (d *delegate) LocalState(join bool) []byte { return d.userState }
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	emit(map[string]interface{}{"ev": "merge", "join": join, "state": string(buf)})
}

type events struct{}

func (events) NotifyJoin(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "join", "name": n.Name, "addr": n.Address()})
}
func (events) NotifyLeave(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "leave", "name": n.Name, "addr": n.Address(), "state": int(n.State)})
}
func (events) NotifyUpdate(n *memberlist.Node) {
	emit(map[string]interface{}{"ev": "node", "kind": "update", "name": n.Name, "meta": hex.EncodeToString(n.Meta)})
}

func memberList(m *memberlist.Memberlist) []map[string]interface{} {
	nodes := m.Members()
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	list := make([]map[string]interface{}, 0, len(nodes))
	for _, n := range nodes {
		list = append(list, map[string]interface{}{
			"name": n.Name, "addr": n.Addr.String(), "port": n.Port, "state": int(n.State),
			"meta": hex.EncodeToString(n.Meta), "vsn": []int{int(n.PMin), int(n.PMax), int(n.PCur), int(n.DMin), int(n.DMax), int(n.DCur)},
		})
	}
	return list
}

func main() {
	name := flag.String("name", "", "node name")
	bind := flag.String("bind", "127.0.0.1", "bind address")
	port := flag.Int("port", 0, "port for UDP and TCP (0 = pick)")
	join := flag.String("join", "", "comma-separated host:port list")
	profile := flag.String("config", "local", "local|lan|wan")
	key := flag.String("key", "", "base64 secret key (16/24/32 bytes)")
	dv := flag.String("dv", "0,0,0", "delegate versions dmin,dmax,dcur")
	meta := flag.String("meta", "", "raw node meta")
	serftags := flag.String("serftags", "", "k=v,... encoded as Serf tags (0xff + msgpack map)")
	userState := flag.String("userstate", "", "push/pull local state")
	compress := flag.Bool("compress", true, "EnableCompression")
	pv := flag.Int("pv", 2, "ProtocolVersion (1 selects encryption version 0)")
	tcpTimeout := flag.Duration("tcptimeout", 0, "override TCPTimeout (0 = the profile's)")
	quiet := flag.Bool("quiet", false, "discard memberlist's log")
	duration := flag.Duration("duration", 5*time.Minute, "shut down after this long")
	flag.Parse()

	var conf *memberlist.Config
	switch *profile {
	case "lan":
		conf = memberlist.DefaultLANConfig()
	case "wan":
		conf = memberlist.DefaultWANConfig()
	default:
		conf = memberlist.DefaultLocalConfig()
	}
	conf.Name = *name
	if conf.Name == "" {
		conf.Name = fmt.Sprintf("go-%d", os.Getpid())
	}
	conf.BindAddr = *bind
	conf.BindPort = *port
	conf.AdvertiseAddr = *bind
	conf.AdvertisePort = *port
	conf.EnableCompression = *compress
	conf.ProtocolVersion = uint8(*pv)
	if *tcpTimeout > 0 {
		conf.TCPTimeout = *tcpTimeout
	}
	if *quiet {
		conf.LogOutput = io.Discard
	} else {
		conf.Logger = log.New(os.Stderr, conf.Name+" ", log.Lmicroseconds)
	}
	v := strings.Split(*dv, ",")
	if len(v) != 3 {
		log.Fatalf("-dv needs 3 numbers")
	}
	for i, p := range []*uint8{&conf.DelegateProtocolMin, &conf.DelegateProtocolMax, &conf.DelegateProtocolVersion} {
		n, err := strconv.Atoi(v[i])
		if err != nil {
			log.Fatalf("-dv: %v", err)
		}
		*p = uint8(n)
	}
	if *key != "" {
		k, err := base64.StdEncoding.DecodeString(*key)
		if err != nil {
			log.Fatalf("-key: %v", err)
		}
		conf.SecretKey = k
	}

	d := &delegate{meta: []byte(*meta), userState: []byte(*userState)}
	if *serftags != "" {
		tags := map[string]string{}
		for _, kv := range strings.Split(*serftags, ",") {
			p := strings.SplitN(kv, "=", 2)
			if len(p) == 2 {
				tags[p[0]] = p[1]
			}
		}
		var buf []byte
		if err := codec.NewEncoderBytes(&buf, &codec.MsgpackHandle{}).Encode(tags); err != nil {
			log.Fatalf("tags: %v", err)
		}
		d.meta = append([]byte{0xff}, buf...)
	}
	conf.Delegate = d
	conf.Events = events{}

	m, err := memberlist.Create(conf)
	if err != nil {
		emit(map[string]interface{}{"ev": "fatal", "err": err.Error()})
		os.Exit(1)
	}
	d.queue = &memberlist.TransmitLimitedQueue{NumNodes: m.NumMembers, RetransmitMult: conf.RetransmitMult}
	local := m.LocalNode()
	emit(map[string]interface{}{"ev": "ready", "name": local.Name, "addr": local.Addr.String(), "port": local.Port})

	if *join != "" {
		start := time.Now()
		n, err := m.Join(strings.Split(*join, ","))
		e := ""
		if err != nil {
			e = err.Error()
		}
		emit(map[string]interface{}{"ev": "join", "contacted": n, "err": e, "ms": time.Since(start).Milliseconds()})
	}

	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }

	go func() { // member list on every change
		last := ""
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				l := memberList(m)
				b, _ := json.Marshal(l)
				if string(b) != last {
					last = string(b)
					emit(map[string]interface{}{"ev": "members", "members": l})
				}
			}
		}
	}()

	go func() { // stdin commands
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			f := strings.SplitN(strings.TrimSpace(sc.Text()), " ", 3)
			find := func(n string) *memberlist.Node {
				for _, x := range m.Members() {
					if x.Name == n {
						return x
					}
				}
				return nil
			}
			switch f[0] {
			case "send", "sendrel":
				if len(f) < 3 {
					continue
				}
				to := find(f[1])
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
			case "bcast":
				msg := strings.TrimPrefix(sc.Text(), "bcast ")
				d.queue.QueueBroadcast(&bcast{msg: []byte(msg)})
				emit(map[string]interface{}{"ev": "queued"})
			case "members":
				emit(map[string]interface{}{"ev": "members", "members": memberList(m)})
			case "leave":
				err := m.Leave(2 * time.Second)
				e := ""
				if err != nil {
					e = err.Error()
				}
				emit(map[string]interface{}{"ev": "left", "err": e})
			case "quit":
				stop()
				return
			}
		}
		stop() // EOF: the test is gone
	}()

	select {
	case <-done:
	case <-time.After(*duration):
	}
	_ = m.Shutdown()
	emit(map[string]interface{}{"ev": "exit"})
}
