// Package certs makes and loads the certificates that secure a cluster's
// node-to-node traffic with mutual TLS, the way CockroachDB's `cockroach
// cert` and etcd's peer TLS do.
//
// A certificates directory holds:
//
//	ca.crt               the cluster CA (or several, concatenated, while a new CA is rolled out)
//	ca.key               the CA's key; keep it off the nodes once they have their certificates
//	node.crt, node.key   the node's certificate, valid as TLS server and client, naming its hosts
//	client.USER.crt/.key a client certificate for USER (sluice cli, pipes' sinks)
//
// Every node presents node.crt and accepts only peers whose certificate the
// CA signed. Certificates are read again when their files change, so a
// rotation is: write the new files, and new connections use them; no
// restart, and connections already open keep going.
package certs
