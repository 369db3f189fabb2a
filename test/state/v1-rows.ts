// Rows of storage layout 1 (table gossip_rows; v1 state and value text) exactly as the store wrote them
// before the compact row format (main at c0f4bdf), with the snapshot and envelopes that store showed: the
// storage conformance suite's migration test loads them through each adapter. Written by that store from:
//   e1   a current EndpointMapping at T0+1 (sni_hostname "sni-old"), then a legacy (V = 0) one at T0+5,
//        which cannot clear sni_hostname: registers with two stamps
//   e2   an EndpointMapping at T0, then an EndpointTombstone at T0+2: a tombstone
//   n1   a NATEntry 100 s old under a 30 s NAT TTL: held, never published (value NULL, cursor 0)
//   n2   a live NATEntry
//   v1   a VIPHeartbeat with owners o1 (live) and o2 (expired under the 60 s owner TTL)
//   10.0.0.0/24   a SubnetRoute add at T0, then remove at T0+1
//   10.9.0.0/16   a SubnetRoute with an unknown member ("zz":[1]) kept as its extra register
import type { StateSnapshot, StoredMeta, StoredRow } from "../../src/state/index.ts";

export const V1_ROWS: StoredRow[] = [
  {
    "kind": "endpoint",
    "key": "e1",
    "cursor": 1,
    "at": 1700000000000,
    "state": "{\"l\":[1700000005,1,\"m2\"],\"t\":null,\"f\":{\"gravity_vip\":[[1700000005,1,\"m2\"],\"10.0.0.9\"],\"hadron_vip\":[[1700000005,1,\"m2\"],\"fd00::9\"],\"machine_id\":[[1700000005,1,\"m2\"],\"m2\"],\"project_id\":[[1700000005,1,\"m2\"],\"p\"],\"dns_names\":[[1700000005,1,\"m2\"],[\"a.example\",\"b.example\"]],\"sni_hostname\":[[1700000001,1,\"m1\"],\"sni-old\"]}}",
    "value": "{\"v\":185,\"gravity_vip\":\"10.0.0.9\",\"hadron_vip\":\"fd00::9\",\"container_id\":\"e1\",\"machine_id\":\"m2\",\"project_id\":\"p\",\"dns_names\":[\"a.example\",\"b.example\"],\"timestamp\":1700000005,\"sni_hostname\":\"sni-old\"}"
  },
  {
    "kind": "endpoint",
    "key": "e2",
    "cursor": 2,
    "at": 1700000000000,
    "state": "{\"l\":[1700000000,1,\"m1\"],\"t\":[1700000002,1,\"m1\"],\"f\":{}}",
    "value": null
  },
  {
    "kind": "nat",
    "key": "n1",
    "cursor": 0,
    "at": 1700000000000,
    "state": "{\"l\":[1699999900,1,\"\"],\"t\":null,\"f\":{\"original_dst\":[[1699999900,1,\"\"],\"10.1.0.1\"],\"original_src\":[[1699999900,1,\"\"],\"10.2.0.1\"],\"src_port\":[[1699999900,1,\"\"],80],\"dst_port\":[[1699999900,1,\"\"],8080]}}",
    "value": null
  },
  {
    "kind": "nat",
    "key": "n2",
    "cursor": 3,
    "at": 1700000000000,
    "state": "{\"l\":[1700000000,1,\"\"],\"t\":null,\"f\":{\"original_dst\":[[1700000000,1,\"\"],\"10.1.0.2\"],\"original_src\":[[1700000000,1,\"\"],\"10.2.0.2\"],\"src_port\":[[1700000000,1,\"\"],81],\"dst_port\":[[1700000000,1,\"\"],8081]}}",
    "value": "{\"v\":56,\"key\":\"n2\",\"original_dst\":\"10.1.0.2\",\"original_src\":\"10.2.0.2\",\"src_port\":81,\"dst_port\":8081,\"timestamp\":1700000000}"
  },
  {
    "kind": "vip",
    "key": "v1",
    "cursor": 4,
    "at": 1700000000000,
    "state": "{\"l\":[1700000000,1,\"\"],\"t\":null,\"f\":{},\"o\":{\"o1\":1700000000,\"o2\":1699999900}}",
    "value": "{\"v\":38,\"vip\":\"v1\",\"owners\":{\"o1\":1700000000},\"timestamp\":1700000000,\"new_nats\":null,\"new_endpoints\":null}"
  },
  {
    "kind": "route",
    "key": "10.0.0.0/24",
    "cursor": 5,
    "at": 1700000000000,
    "state": "{\"l\":[1700000000,1,\"m1\\u000010.0.0.1:7946\"],\"t\":[1700000001,1,\"m1\\u000010.0.0.1:7946\"],\"f\":{}}",
    "value": null
  },
  {
    "kind": "route",
    "key": "10.9.0.0/16",
    "cursor": 6,
    "at": 1700000000000,
    "state": "{\"l\":[1700000003,1,\"m3\\u000010.0.0.3:7946\"],\"t\":null,\"f\":{\"machine_id\":[[1700000003,1,\"m3\\u000010.0.0.3:7946\"],\"m3\"],\"ion_id\":[[1700000003,1,\"m3\\u000010.0.0.3:7946\"],\"10.0.0.3:7946\"],\"extra\":[[1700000003,1,\"m3\\u000010.0.0.3:7946\"],\"\\\"zz\\\":[1]\"]}}",
    "value": "{\"v\":231,\"subnet\":\"10.9.0.0/16\",\"machine_id\":\"m3\",\"ion_id\":\"10.0.0.3:7946\",\"timestamp\":1700000003,\"action\":\"add\",\"extra\":\"\\\"zz\\\":[1]\"}"
  }
];

export const V1_META: StoredMeta = {"cursor":6,"minCursor":0};

/** The store's snapshot (natTtlSeconds 30, ownerTtlSeconds 60, clock at 1700000000). */
export const V1_SNAPSHOT: StateSnapshot = {
  "cursor": 6,
  "endpoints": [
    {
      "v": 185,
      "gravity_vip": "10.0.0.9",
      "hadron_vip": "fd00::9",
      "container_id": "e1",
      "machine_id": "m2",
      "project_id": "p",
      "dns_names": [
        "a.example",
        "b.example"
      ],
      "timestamp": 1700000005,
      "sni_hostname": "sni-old"
    }
  ],
  "tombstones": [
    {
      "v": 123,
      "container_id": "e2",
      "machine_id": "m1",
      "timestamp": 1700000002
    }
  ],
  "nats": [
    {
      "v": 56,
      "key": "n2",
      "original_dst": "10.1.0.2",
      "original_src": "10.2.0.2",
      "src_port": 81,
      "dst_port": 8081,
      "timestamp": 1700000000
    }
  ],
  "vips": [
    {
      "v": 38,
      "vip": "v1",
      "owners": {
        "o1": 1700000000
      },
      "timestamp": 1700000000,
      "new_nats": null,
      "new_endpoints": null
    }
  ],
  "routes": [
    {
      "v": 231,
      "subnet": "10.9.0.0/16",
      "machine_id": "m3",
      "ion_id": "10.0.0.3:7946",
      "timestamp": 1700000003,
      "action": "add",
      "extra": "\"zz\":[1]"
    }
  ]
};

export const V1_ENVELOPES: string[] = [
  "{\"type\":1,\"payload\":{\"v\":185,\"gravity_vip\":\"10.0.0.9\",\"hadron_vip\":\"fd00::9\",\"container_id\":\"e1\",\"machine_id\":\"m2\",\"project_id\":\"p\",\"dns_names\":[\"a.example\",\"b.example\"],\"timestamp\":1700000005,\"sni_hostname\":\"sni-old\"}}",
  "{\"type\":2,\"payload\":{\"v\":123,\"container_id\":\"e2\",\"machine_id\":\"m1\",\"timestamp\":1700000002}}",
  "{\"type\":3,\"payload\":{\"v\":56,\"key\":\"n1\",\"original_dst\":\"10.1.0.1\",\"original_src\":\"10.2.0.1\",\"src_port\":80,\"dst_port\":8080,\"timestamp\":1699999900}}",
  "{\"type\":3,\"payload\":{\"v\":56,\"key\":\"n2\",\"original_dst\":\"10.1.0.2\",\"original_src\":\"10.2.0.2\",\"src_port\":81,\"dst_port\":8081,\"timestamp\":1700000000}}",
  "{\"type\":4,\"payload\":{\"v\":38,\"vip\":\"v1\",\"owners\":{\"o1\":1700000000},\"timestamp\":1700000000}}",
  "{\"type\":5,\"payload\":{\"v\":231,\"subnet\":\"10.0.0.0/24\",\"machine_id\":\"m1\",\"ion_id\":\"10.0.0.1:7946\",\"timestamp\":1700000001,\"action\":\"remove\"}}",
  "{\"type\":5,\"payload\":{\"v\":231,\"subnet\":\"10.9.0.0/16\",\"machine_id\":\"m3\",\"ion_id\":\"10.0.0.3:7946\",\"timestamp\":1700000003,\"action\":\"add\",\"zz\":[1]}}"
];
