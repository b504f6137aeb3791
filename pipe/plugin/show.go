package plugin

import (
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// masked replaces secret values in SHOW output.
const masked = "******"

// Show renders one clause's attributes for SHOW PIPES as IoTDB does,
// "{k=v, k2=v2}" in the order written, keys lower-cased, values trimmed,
// and the value of every key ending in "password" or "pwd" (a trust
// store's) masked.
func Show(attrs []ast.Attribute) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteString(", ")
		}
		k := strings.ToLower(strings.TrimSpace(a.Key))
		v := strings.TrimSpace(a.Value)
		if IsSecretKey(k) {
			v = masked
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	b.WriteByte('}')
	return b.String()
}

// IsSecretKey reports whether a parameter key (any prefix, any case) holds
// a secret: a password, or a trust store's ("pwd"). SHOW PIPES masks these
// values and the cluster stores them sealed.
func IsSecretKey(k string) bool {
	k = strings.ToLower(strings.TrimSpace(k))
	return strings.HasSuffix(k, "password") || strings.HasSuffix(k, "pwd")
}
