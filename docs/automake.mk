dist_doc_DATA += docs/rpc.md
dist_doc_DATA += docs/flow-syntax.md
dist_doc_DATA += docs/kernel-datapath.md
