// Package gossip re-declares the Gravity gossip structs exactly as the upstream API documentation
// (go-common gravity/gossip, /work/shared/seeds/000_*.txt) shows them, so that Go's encoding/json can
// serve as the reference for gossamer's TypeScript codec. The package name matters: V hashes the nested
// types as "[]gossip.NATEntry".
package gossip

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

type MessageType uint8

const (
	MsgEndpointMapping MessageType = iota + 1
	MsgEndpointTombstone
	MsgNATEntry
	MsgVIPHeartbeat
	MsgSubnetRoute
)

type EndpointMapping struct {
	V           uint8    `json:"v,omitempty"`
	GravityVIP  string   `json:"gravity_vip"`
	HadronVIP   string   `json:"hadron_vip"`
	ContainerID string   `json:"container_id"`
	MachineID   string   `json:"machine_id"`
	ProjectID   string   `json:"project_id"`
	DNSNames    []string `json:"dns_names"`
	Timestamp   int64    `json:"timestamp"`
	SNIHostname string   `json:"sni_hostname,omitempty"`
}

type EndpointTombstone struct {
	V           uint8  `json:"v,omitempty"`
	ContainerID string `json:"container_id"`
	MachineID   string `json:"machine_id"`
	Timestamp   int64  `json:"timestamp"`
}

type NATEntry struct {
	V           uint8  `json:"v,omitempty"`
	Key         string `json:"key"`
	OriginalDst string `json:"original_dst"`
	OriginalSrc string `json:"original_src"`
	SrcPort     uint16 `json:"src_port"`
	DstPort     uint16 `json:"dst_port"`
	Timestamp   int64  `json:"timestamp"`
}

type VIPHeartbeat struct {
	V            uint8             `json:"v,omitempty"`
	VIP          string            `json:"vip"`
	Owners       map[string]int64  `json:"owners"`
	Timestamp    int64             `json:"timestamp"`
	NewNATs      []NATEntry        `json:"new_nats,omitempty"`
	NewEndpoints []EndpointMapping `json:"new_endpoints,omitempty"`
}

type SubnetRoute struct {
	V         uint8  `json:"v,omitempty"`
	Subnet    string `json:"subnet"`
	MachineID string `json:"machine_id"`
	IonID     string `json:"ion_id"`
	Timestamp int64  `json:"timestamp"`
	Action    string `json:"action"`
}

type Envelope struct {
	Type    MessageType     `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// schemaV is the algorithm of docs/protocols/gravity.md §3.1.
func schemaV(v any) uint8 {
	t := reflect.TypeOf(v)
	h := sha256.New()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Name == "V" {
			continue
		}
		fmt.Fprintf(h, "%s:%s;", f.Name, f.Type.String())
	}
	b := h.Sum(nil)[0]
	if b == 0 {
		b = 1
	}
	return b
}

var (
	EndpointMappingV   = schemaV(EndpointMapping{})
	EndpointTombstoneV = schemaV(EndpointTombstone{})
	NATEntryV          = schemaV(NATEntry{})
	VIPHeartbeatV      = schemaV(VIPHeartbeat{})
	SubnetRouteV       = schemaV(SubnetRoute{})
)

func Encode(msg any) ([]byte, error) {
	var t MessageType
	switch m := msg.(type) {
	case *EndpointMapping:
		t, m.V = MsgEndpointMapping, EndpointMappingV
	case *EndpointTombstone:
		t, m.V = MsgEndpointTombstone, EndpointTombstoneV
	case *NATEntry:
		t, m.V = MsgNATEntry, NATEntryV
	case *VIPHeartbeat:
		t, m.V = MsgVIPHeartbeat, VIPHeartbeatV
		for i := range m.NewNATs {
			m.NewNATs[i].V = NATEntryV
		}
		for i := range m.NewEndpoints {
			m.NewEndpoints[i].V = EndpointMappingV
		}
	case *SubnetRoute:
		t, m.V = MsgSubnetRoute, SubnetRouteV
	default:
		return nil, errors.New("unhandled type")
	}
	p, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(Envelope{Type: t, Payload: p})
}

func Decode(data []byte) (MessageType, any, error) {
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return 0, nil, err
	}
	var v any
	switch env.Type {
	case MsgEndpointMapping:
		v = &EndpointMapping{}
	case MsgEndpointTombstone:
		v = &EndpointTombstone{}
	case MsgNATEntry:
		v = &NATEntry{}
	case MsgVIPHeartbeat:
		v = &VIPHeartbeat{}
	case MsgSubnetRoute:
		v = &SubnetRoute{}
	default:
		return 0, nil, fmt.Errorf("unknown message type %d", env.Type)
	}
	if err := json.Unmarshal(env.Payload, v); err != nil {
		return 0, nil, err
	}
	return env.Type, v, nil
}

// PayloadV returns the decoded payload's own V.
func PayloadV(v any) uint8 {
	return uint8(reflect.ValueOf(v).Elem().FieldByName("V").Uint())
}
