package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

const docPath = "../docs/configuration.md"

// configurationDoc renders docs/configuration.md from the key table.
func configurationDoc() string {
	var b strings.Builder
	b.WriteString(`# Configuration

<!-- Generated from config/keys.go by "go test ./config -run TestConfigurationDoc -update". Do not edit. -->

A node reads its configuration from, lowest precedence first:

1. the defaults below;
2. the file given with ` + "`--config FILE`" + `, in Java-properties form as IoTDB's
   ` + "`iotdb-system.properties`" + ` (` + "`key=value`" + `, ` + "`#`" + ` and ` + "`!`" + ` comments, ` + "`\\`" + ` at the end of
   a line continues it, ` + "`\\:`" + ` ` + "`\\=`" + ` ` + "`\\\\`" + ` and ` + "`\\uXXXX`" + ` escapes);
3. environment variables named exactly like a key, as IoTDB's Docker images
   take them: ` + "`dn_rpc_port=6668 sluice standalone`" + `;
4. command-line flags.

Unknown keys in the file are logged as warnings; a malformed value stops the
node with an error naming the key, the value and where it came from. Ports may
be 0 to pick a free one. Aliases are IoTDB's older names for the same key.
How the bind and advertised addresses work together, on a laptop and in a
container, is explained in [Addresses](cluster.md#addresses).

| key | default | aliases | meaning |
|---|---|---|---|
`)
	d := Default()
	for _, k := range keys {
		aliases := ""
		if len(k.aliases) > 0 {
			aliases = "`" + strings.Join(k.aliases, "`, `") + "`"
		}
		def := "`" + k.get(&d) + "`"
		if k.get(&d) == "" {
			def = "empty"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.name, def, aliases, k.doc)
	}
	return b.String()
}

func TestConfigurationDoc(t *testing.T) {
	want := configurationDoc()
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v (run go test ./config -run TestConfigurationDoc -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run go test ./config -run TestConfigurationDoc -update", docPath)
	}
}
