dist_doc_DATA += docs/rpc.md
