package datanode

import "github.com/sluicedb/sluice/auth"

// warnDefaultRootPassword logs a warning at every start while root still
// has its default password, which anyone who can reach the client port
// knows.
func (d *DataNode) warnDefaultRootPassword() {
	if d.meta.Authenticate(auth.RootUser, auth.DefaultRootPassword) != nil {
		return
	}
	d.logger.Warn("the user root still has the default password: anyone who reaches the client port owns the cluster; " +
		"change it with ALTER USER root SET PASSWORD '<new password>'")
}
