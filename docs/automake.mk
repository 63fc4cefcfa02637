dist_doc_DATA += docs/rpc.md
dist_doc_DATA += docs/flow-syntax.md
dist_doc_DATA += docs/datapath.md
dist_doc_DATA += docs/conntrack.md
dist_doc_DATA += docs/tls.md
dist_doc_DATA += docs/kernel-datapath.md
