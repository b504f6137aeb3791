package clientrpc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone ids such as Asia/Shanghai must resolve on hosts without zoneinfo

	"github.com/sluicedb/sluice/status"
)

// session is a logged-in client session. It is used only by the serving
// goroutine of the connection that opened it.
type session struct {
	id       int64
	user     string
	zoneID   string // as the client named it, returned by GetTimeZone
	zone     *time.Location
	nextStmt int64
	queries  map[int64]*query
}

// noQuery is the query id of responses that opened no query. The Go client
// dereferences the id of every execute response, so it is always set.
const noQuery = -1

// openSession registers a new session on c.
func (s *Server) openSession(c *conn, user, zoneID string, zone *time.Location) *session {
	ss := &session{
		id:      s.nextSessionID.Add(1),
		user:    user,
		zoneID:  zoneID,
		zone:    zone,
		queries: make(map[int64]*query),
	}
	c.sessions[ss.id] = ss
	s.metrics.sessions.Inc()
	return ss
}

// closeSession ends a session and releases its open queries.
func (s *Server) closeSession(c *conn, ss *session) {
	for _, q := range ss.queries {
		s.releaseQuery(ss, q)
	}
	delete(c.sessions, ss.id)
	s.metrics.sessions.Dec()
}

// releaseQuery forgets q and closes its row iterator.
func (s *Server) releaseQuery(ss *session, q *query) {
	delete(ss.queries, q.id)
	if err := q.close(); err != nil {
		s.log.Warn("closing query rows failed", "session", ss.id, "query", q.id, "err", err)
	}
}

// parseZone resolves a zone id the way Java's ZoneId.of reads the ones
// IoTDB clients send: region ids ("Asia/Shanghai"), "Z", "UTC"/"GMT"/"UT",
// fixed offsets ("+08:00", "-0530", "+8") and prefixed offsets ("UTC+08:00").
func parseZone(id string) (*time.Location, error) {
	bad := func(why string) error {
		return status.Errorf(status.SetTimeZoneError, "invalid time zone %q: %s", id, why)
	}
	switch id {
	case "":
		return nil, bad("empty")
	case "Z", "UTC", "GMT", "UT":
		return time.FixedZone(id, 0), nil
	case "Local":
		return nil, bad("not a zone id")
	}
	for _, prefix := range []string{"UTC", "GMT", "UT"} {
		if rest, ok := strings.CutPrefix(id, prefix); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			off, err := parseOffset(rest)
			if err != nil {
				return nil, bad(err.Error())
			}
			return time.FixedZone(id, off), nil
		}
	}
	if id[0] == '+' || id[0] == '-' {
		off, err := parseOffset(id)
		if err != nil {
			return nil, bad(err.Error())
		}
		return time.FixedZone(id, off), nil
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil, bad("unknown region")
	}
	return loc, nil
}

// parseOffset reads ±h, ±hh, ±hh:mm, ±hhmm, ±hh:mm:ss or ±hhmmss into
// seconds east of UTC, within ±18 hours.
func parseOffset(s string) (int, error) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	body := s[1:]
	var parts []string
	if strings.Contains(body, ":") {
		parts = strings.Split(body, ":")
		if len(parts) > 3 || len(parts[0]) != 2 {
			return 0, fmt.Errorf("malformed offset %q", s)
		}
	} else {
		switch len(body) {
		case 1, 2:
			parts = []string{body}
		case 4:
			parts = []string{body[:2], body[2:]}
		case 6:
			parts = []string{body[:2], body[2:4], body[4:]}
		default:
			return 0, fmt.Errorf("malformed offset %q", s)
		}
	}
	secs := 0
	for i, p := range parts {
		if (i > 0 && len(p) != 2) || p == "" {
			return 0, fmt.Errorf("malformed offset %q", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (i > 0 && n > 59) {
			return 0, fmt.Errorf("malformed offset %q", s)
		}
		secs = secs*60 + n
	}
	for range 3 - len(parts) {
		secs *= 60
	}
	if secs > 18*3600 {
		return 0, fmt.Errorf("offset %q is out of range", s)
	}
	return sign * secs, nil
}
