// ion: a Go Gravity ion for the gossamer interop suite. Debian's memberlist 0.2.2 (GOPATH mode), Go's
// encoding/json, and the seed's gossip structs (test/gossip/go/gossip, copied into the GOPATH by the
// harness). It gossips Gravity state the way docs/protocols/state-gossip.md describes:
//
//   - one memberlist user message per envelope, exactly gossip.Encode's bytes (V stamped), queued on a
//     TransmitLimitedQueue as a NamedBroadcast named after the record;
//   - a received envelope is merged (last writer wins on (timestamp, tie-break id); a tombstone or remove
//     hides a live record it is not older than) and re-broadcast only if it changed the state;
//   - push/pull user state: a JSON array of every live record's and tombstone's envelope; merged likewise.
//
// JSON lines on stdout: ready, join, digest, state, error. Commands on stdin:
//
//	route SUBNET TS add|remove    originate a SubnetRoute (machine_id = node name, ion_id = our address)
//	endpoint CID TS               originate an EndpointMapping    tombstone CID TS   an EndpointTombstone
//	bulk N TS                     hold N SubnetRoutes 10.a.b.c/32 at TS (not broadcast: for push/pull)
//	flood N TS                    originate N SubnetRoutes fd01::i/128 as fast as the queue takes them
//	digest                        {"ev":"digest","count":n,"sha256":...} over the sorted visible-state lines
//	state                         {"ev":"state","lines":[...]} (small states only)
//	quit                          shut down (stdin EOF too)
package main

import (
	"bufio"
	"crypto/sha256"
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

	"gossamer.test/gossipref/gossip"

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

type stamp struct {
	ts int64
	tb string
}

func (a stamp) greater(b stamp) bool { return a.ts > b.ts || (a.ts == b.ts && a.tb > b.tb) }

type record struct {
	live, tomb     []byte // envelopes (gossip.Encode)
	lst, tst       stamp
	hasL, hasT     bool
	owners         map[string]int64
	summary, tsum  string // "kind key ts action" lines for digests
}

func (r *record) visible() bool { return r.hasL && (!r.hasT || r.lst.greater(r.tst)) }

// envelope is what this record gossips: its live envelope when visible, else its tombstone, else nil.
func (r *record) envelope() []byte {
	if r.visible() {
		return r.live
	}
	if r.hasT {
		return r.tomb
	}
	return nil
}

type named struct {
	name string
	msg  []byte
}

func (b *named) Invalidates(o memberlist.Broadcast) bool {
	if n, ok := o.(memberlist.NamedBroadcast); ok {
		return n.Name() == b.name
	}
	return false
}
func (b *named) Message() []byte { return b.msg }
func (b *named) Finished()       {}
func (b *named) Name() string    { return b.name }

type ion struct {
	mu    sync.Mutex
	recs  map[string]*record
	queue *memberlist.TransmitLimitedQueue
	name  string
	addr  string
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// apply merges one decoded message; returns the keys of records whose state changed.
func (s *ion) apply(v interface{}) []string {
	var changed []string
	get := func(k string) *record {
		r := s.recs[k]
		if r == nil {
			r = &record{}
			s.recs[k] = r
		}
		return r
	}
	live := func(k string, st stamp, env []byte, sum string) {
		r := get(k)
		if !r.hasL || st.greater(r.lst) {
			r.hasL, r.lst, r.live, r.summary = true, st, env, sum
			changed = append(changed, k)
		}
	}
	tomb := func(k string, st stamp, env []byte, sum string) {
		r := get(k)
		if !r.hasT || st.greater(r.tst) {
			r.hasT, r.tst, r.tomb, r.tsum = true, st, env, sum
			changed = append(changed, k)
		}
	}
	switch p := v.(type) {
	case *gossip.EndpointMapping:
		live("endpoint "+p.ContainerID, stamp{p.Timestamp, p.MachineID}, must(gossip.Encode(p)), fmt.Sprintf("endpoint %s %d add", p.ContainerID, p.Timestamp))
	case *gossip.EndpointTombstone:
		tomb("endpoint "+p.ContainerID, stamp{p.Timestamp, p.MachineID}, must(gossip.Encode(p)), fmt.Sprintf("endpoint %s %d remove", p.ContainerID, p.Timestamp))
	case *gossip.NATEntry:
		live("nat "+p.Key, stamp{p.Timestamp, ""}, must(gossip.Encode(p)), fmt.Sprintf("nat %s %d add", p.Key, p.Timestamp))
	case *gossip.SubnetRoute:
		st := stamp{p.Timestamp, p.MachineID + "\x00" + p.IonID}
		if p.Action == "remove" {
			tomb("route "+p.Subnet, st, must(gossip.Encode(p)), fmt.Sprintf("route %s %d remove", p.Subnet, p.Timestamp))
		} else if p.Action == "add" {
			live("route "+p.Subnet, st, must(gossip.Encode(p)), fmt.Sprintf("route %s %d add", p.Subnet, p.Timestamp))
		}
	case *gossip.VIPHeartbeat:
		for i := range p.NewNATs {
			changed = append(changed, s.apply(&p.NewNATs[i])...)
		}
		for i := range p.NewEndpoints {
			changed = append(changed, s.apply(&p.NewEndpoints[i])...)
		}
		k := "vip " + p.VIP
		r := get(k)
		grew := false
		if r.owners == nil {
			r.owners = map[string]int64{}
		}
		for o, t := range p.Owners {
			if cur, ok := r.owners[o]; !ok || t > cur {
				r.owners[o] = t
				grew = true
			}
		}
		if !r.hasL || p.Timestamp > r.lst.ts || grew {
			if p.Timestamp > r.lst.ts || !r.hasL {
				r.lst = stamp{p.Timestamp, ""}
			}
			r.hasL = true
			hb := gossip.VIPHeartbeat{VIP: p.VIP, Owners: r.owners, Timestamp: r.lst.ts}
			r.live = must(gossip.Encode(&hb))
			r.summary = fmt.Sprintf("vip %s %d add", p.VIP, r.lst.ts)
			changed = append(changed, k)
		}
	}
	return changed
}

func (s *ion) broadcast(keys []string) {
	for _, k := range keys {
		if env := s.recs[k].envelope(); env != nil {
			s.queue.QueueBroadcast(&named{name: k, msg: env})
		}
	}
}

func (s *ion) NodeMeta(int) []byte { return nil }

func (s *ion) NotifyMsg(b []byte) {
	if len(b) == 0 || b[0] != '{' {
		return
	}
	_, v, err := gossip.Decode(b)
	if err != nil {
		emit(map[string]interface{}{"ev": "error", "err": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcast(s.apply(v)) // only what changed our state goes out again
}

func (s *ion) GetBroadcasts(overhead, limit int) [][]byte { return s.queue.GetBroadcasts(overhead, limit) }

func (s *ion) LocalState(join bool) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteByte('[')
	first := true
	for _, r := range s.recs {
		if env := r.envelope(); env != nil {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.Write(env)
		}
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func (s *ion) MergeRemoteState(buf []byte, join bool) {
	var list []json.RawMessage
	if err := json.Unmarshal(buf, &list); err != nil {
		emit(map[string]interface{}{"ev": "error", "err": "remote state: " + err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []string
	for _, e := range list {
		if _, v, err := gossip.Decode(e); err == nil {
			changed = append(changed, s.apply(v)...)
		}
	}
	if len(changed) <= 1024 {
		s.broadcast(changed)
	}
	emit(map[string]interface{}{"ev": "merged", "join": join, "records": len(list), "changed": len(changed)})
}

func (s *ion) lines() []string {
	var l []string
	for _, r := range s.recs {
		if r.visible() {
			l = append(l, r.summary)
		} else if r.hasT {
			l = append(l, r.tsum)
		}
	}
	sort.Strings(l)
	return l
}

func main() {
	name := flag.String("name", "", "node name")
	bind := flag.String("bind", "127.0.0.1", "bind address")
	port := flag.Int("port", 0, "port (0 = pick)")
	join := flag.String("join", "", "comma-separated host:port list")
	dv := flag.String("dv", "0,0,0", "delegate versions")
	tcpTimeout := flag.Duration("tcptimeout", 10*time.Second, "TCPTimeout")
	pushPull := flag.Duration("pushpull", 0, "PushPullInterval (0 = the local profile's)")
	duration := flag.Duration("duration", 5*time.Minute, "shut down after this long")
	flag.Parse()

	conf := memberlist.DefaultLocalConfig()
	conf.Name = *name
	conf.BindAddr, conf.BindPort = *bind, *port
	conf.AdvertiseAddr, conf.AdvertisePort = *bind, *port
	conf.TCPTimeout = *tcpTimeout
	if *pushPull > 0 {
		conf.PushPullInterval = *pushPull
	}
	conf.Logger = log.New(os.Stderr, conf.Name+" ", log.Lmicroseconds)
	v := strings.Split(*dv, ",")
	for i, p := range []*uint8{&conf.DelegateProtocolMin, &conf.DelegateProtocolMax, &conf.DelegateProtocolVersion} {
		n, _ := strconv.Atoi(v[i])
		*p = uint8(n)
	}
	s := &ion{recs: map[string]*record{}, name: *name}
	conf.Delegate = s
	m, err := memberlist.Create(conf)
	if err != nil {
		emit(map[string]interface{}{"ev": "fatal", "err": err.Error()})
		os.Exit(1)
	}
	s.queue = &memberlist.TransmitLimitedQueue{NumNodes: m.NumMembers, RetransmitMult: conf.RetransmitMult}
	local := m.LocalNode()
	s.addr = fmt.Sprintf("%s:%d", local.Addr, local.Port)
	emit(map[string]interface{}{"ev": "ready", "name": local.Name, "port": local.Port})
	if *join != "" {
		n, err := m.Join(strings.Split(*join, ","))
		e := ""
		if err != nil {
			e = err.Error()
		}
		emit(map[string]interface{}{"ev": "join", "contacted": n, "err": e})
	}

	originate := func(p interface{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.broadcast(s.apply(p))
	}
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			num := func(i int) int64 {
				if i >= len(f) {
					return 0
				}
				n, _ := strconv.ParseInt(f[i], 10, 64)
				return n
			}
			switch f[0] {
			case "route":
				action := "add"
				if len(f) > 3 {
					action = f[3]
				}
				originate(&gossip.SubnetRoute{Subnet: f[1], MachineID: s.name, IonID: s.addr, Timestamp: num(2), Action: action})
			case "endpoint":
				originate(&gossip.EndpointMapping{GravityVIP: "fd15::1", HadronVIP: "fd15::2", ContainerID: f[1], MachineID: s.name, ProjectID: "p", DNSNames: []string{f[1] + ".example"}, Timestamp: num(2)})
			case "tombstone":
				originate(&gossip.EndpointTombstone{ContainerID: f[1], MachineID: s.name, Timestamp: num(2)})
			case "bulk":
				n, ts := int(num(1)), num(2)
				s.mu.Lock()
				for i := 0; i < n; i++ {
					s.apply(&gossip.SubnetRoute{Subnet: fmt.Sprintf("10.%d.%d.%d/32", (i>>16)&255, (i>>8)&255, i&255), MachineID: s.name, IonID: s.addr, Timestamp: ts, Action: "add"})
				}
				s.mu.Unlock()
				emit(map[string]interface{}{"ev": "bulk", "n": n})
			case "flood":
				n, ts := int(num(1)), num(2)
				start := time.Now()
				for i := 0; i < n; i++ {
					for s.queue.NumQueued() > 2048 {
						time.Sleep(time.Millisecond)
					}
					originate(&gossip.SubnetRoute{Subnet: fmt.Sprintf("fd01::%x/128", i), MachineID: s.name, IonID: s.addr, Timestamp: ts, Action: "add"})
				}
				emit(map[string]interface{}{"ev": "flooded", "n": n, "ms": time.Since(start).Milliseconds()})
			case "digest":
				s.mu.Lock()
				l := s.lines()
				s.mu.Unlock()
				h := sha256.Sum256([]byte(strings.Join(l, "\n")))
				emit(map[string]interface{}{"ev": "digest", "count": len(l), "sha256": hex.EncodeToString(h[:])})
			case "state":
				s.mu.Lock()
				l := s.lines()
				s.mu.Unlock()
				emit(map[string]interface{}{"ev": "state", "lines": l})
			case "quit":
				close(done)
				return
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(*duration):
	}
	_ = m.Shutdown()
	_, _ = io.WriteString(os.Stderr, "ion exit\n")
}
