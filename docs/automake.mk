dist_doc_DATA += docs/rpc.md
dist_doc_DATA += docs/flow-syntax.md
dist_man_MANS += docs/nfvs-vswitchd.8
dist_man_MANS += docs/nfvs-ctl.8
dist_doc_DATA += docs/operations.md
dist_man_MANS += docs/nfvs-dpctl.8
dist_doc_DATA += docs/kernel-datapath.md
