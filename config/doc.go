// Package config holds a node's configuration: the Config struct with
// IoTDB's key names and defaults, and Load, which reads it from a
// Java-properties file, the environment and command-line flags.
//
// Precedence, lowest first: defaults, the file, an environment variable
// named exactly like the key (dn_rpc_port=6668, as IoTDB's Docker images
// take them), a flag. Unknown keys in the file are returned as warnings;
// malformed values are refused with the key, the value and where it came
// from. docs/configuration.md lists every key; a test keeps it current.
package config
