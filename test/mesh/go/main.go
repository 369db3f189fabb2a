// Generates test/mesh/go-gob-vectors.json: for each case, the exact bytes Go's encoding/gob writes for a
// sequence of Encode calls on one fresh Encoder, in a fresh process (type ids are per process, so each
// case runs in its own child). The TS codec must decode them and, re-encoding what it decoded with a
// fresh registry, write the same bytes.
// Regenerate (Go >= 1.19): cd test/mesh/go && go run . > ../go-gob-vectors.json
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"time"
)

type Inner struct {
	A int
	S string
}

type Outer struct {
	Name string
	X    interface{}
	N    int
}

type Wrap struct {
	Body interface{}
	Tail string
}

type Tree struct {
	V    int
	Kids []Tree
}

type WithPtr struct {
	P *Inner
	Q *Inner
	Z int
}

type WithTime struct {
	When time.Time
	Tag  string
}

type Arrays struct {
	Three [3]int
	Four  [4]byte
	Empty [0]int
}

type Nums struct {
	I8  int8
	U16 uint16
	F32 float32
	C64 complex64
	B   bool
	Big uint64
	Min int64
}

type Empty struct{}

func init() {
	gob.Register(Inner{})
	gob.Register(Outer{})
	gob.Register(Tree{})
	gob.Register(map[string][]int{})
	gob.Register([]interface{}{})
	gob.Register(Empty{})
}

var cases = map[string][]interface{}{
	"scalars":            {int(-3), uint(300), 1.5, math.Copysign(0, -1), true, false, "héllo", []byte{1, 2, 3}, complex(1, -2), int64(math.MinInt64), uint64(math.MaxUint64), math.Inf(1)},
	"struct-zero":        {Inner{}},
	"nested-interface":   {Wrap{Body: Outer{Name: "o", X: Inner{A: 7, S: "in"}, N: -1}, Tail: "t"}, Wrap{Body: Outer{X: Inner{A: 8}}}},
	"interface-basic":    {Wrap{Body: 42}, Wrap{Body: "s"}, Wrap{Body: []string{"a", "b"}}, Wrap{Tail: "nil body"}},
	"map-int-keys":       {map[int]string{3: "c"}, map[string][]int{"k": {1, -2}}},
	"arrays":             {Arrays{Three: [3]int{1, 0, 3}, Four: [4]byte{9, 8, 7, 6}}},
	"recursive":          {Tree{V: 1, Kids: []Tree{{V: 2}, {V: 3, Kids: []Tree{{V: 4}}}}}},
	"pointers":           {WithPtr{Q: &Inner{A: 1}}, WithPtr{}},
	"gob-encoder":        {WithTime{When: time.Date(2026, 12, 6, 12, 0, 0, 5, time.UTC), Tag: "t"}},
	"numbers":            {Nums{I8: -8, U16: 65535, F32: 0.25, C64: complex64(complex(3, 4)), B: true, Big: 1 << 63, Min: -1 << 63}},
	"slice-of-interface": {Wrap{Body: []interface{}{"a", 5, Inner{A: 1}, nil}}},
	"interface-map":      {Wrap{Body: map[string][]int{"x": {1}}}},
	"empty-struct":       {Empty{}, Wrap{Body: Empty{}}},
	"long-unit":          {Wrap{Body: string(bytes.Repeat([]byte("z"), 300)), Tail: string(bytes.Repeat([]byte("y"), 70000))}},
}

type vector struct {
	Name string `json:"name"`
	Hex  string `json:"hex"`
}

func main() {
	if name := os.Getenv("GOBREF_CASE"); name != "" {
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		for _, v := range cases[name] {
			if err := enc.Encode(v); err != nil {
				fmt.Fprintln(os.Stderr, name, err)
				os.Exit(1)
			}
		}
		os.Stdout.WriteString(hex.EncodeToString(buf.Bytes()))
		return
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []vector
	for _, n := range names {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "GOBREF_CASE="+n)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, n, err)
			os.Exit(1)
		}
		out = append(out, vector{n, string(b)})
	}
	e := json.NewEncoder(os.Stdout)
	e.SetIndent("", " ")
	e.Encode(map[string]interface{}{"go": "encoding/gob, go1.19", "vectors": out})
}
