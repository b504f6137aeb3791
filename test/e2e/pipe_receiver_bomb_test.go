package e2e

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/test/proc"
)

// bombRSSLimit is the most resident memory the receiver may reach while it
// refuses decompression bombs.
const bombRSSLimit = 512 << 20

// TestPipeReceiverDecompressionBomb sends an authenticated receiver
// transfers of 32 KB whose zstd payload expands to 1 GiB: announced as
// such, announced as 1 KiB (a lie), and in the older format that announces
// nothing, then six at once on six connections. Each is refused with a
// status naming the limit; the receiver's peak resident memory stays under
// 512 MB, and it keeps taking transfers and serving queries.
func TestPipeReceiverDecompressionBomb(t *testing.T) {
	t.Parallel()
	b := proc.StartStandalone(t)
	cb := newPipeClient(t, b)
	client := pipeTransferClient(t, b.Addr())
	ctx := context.Background()

	hs := transfer.HandshakeResult{Token: bombHandshake(t, client)}
	before := procStatusBytes(t, b.Pid(), "VmRSS")

	frame := rleZstdFrame(8192) // 8192 blocks of 128 KiB: 1 GiB from 32 KB
	head := func(comp byte) []byte {
		h := []byte{comp}
		h = binary.AppendUvarint(h, uint64(len(hs.Token)))
		h = append(h, hs.Token...)
		return append(h, 0) // no origin
	}
	bombs := []struct {
		name string
		body []byte
		want string
	}{
		{"announced 1 GiB", append(binary.AppendUvarint(head(2), 1<<30), frame...), "announces 1073741824 decompressed bytes, over the limit of 134217728 bytes"},
		{"announced 1 KiB", append(binary.AppendUvarint(head(2), 1<<10), frame...), "announced 1024 decompressed bytes but holds more"},
		{"unannounced", append(head(1), frame...), "more than the limit of 134217728 bytes"},
	}
	for _, bomb := range bombs {
		start := time.Now()
		resp, err := client.PipeTransfer(ctx, &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: transfer.TypeTablets, Body: bomb.body})
		if err != nil {
			t.Fatalf("%s: %v", bomb.name, err)
		}
		st := resp.GetStatus()
		if st.GetCode() != 303 || !strings.Contains(st.GetMessage(), bomb.want) {
			t.Errorf("%s: status %d %q, want 303 containing %q", bomb.name, st.GetCode(), st.GetMessage(), bomb.want)
		}
		t.Logf("%s (%d bytes): refused in %v: %s", bomb.name, len(bomb.body), time.Since(start).Round(time.Millisecond), st.GetMessage())
	}
	// Bombs on several connections at once wait for each other's memory
	// rather than adding up.
	const parallel = 6
	errs := make(chan string, parallel)
	for range parallel {
		c := pipeTransferClient(t, b.Addr())
		tok := bombHandshake(t, c)
		body := []byte{1}
		body = binary.AppendUvarint(body, uint64(len(tok)))
		body = append(append(body, tok...), 0)
		body = append(body, frame...)
		go func() {
			resp, err := c.PipeTransfer(ctx, &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: transfer.TypeTablets, Body: body})
			switch {
			case err != nil:
				errs <- err.Error()
			case resp.GetStatus().GetCode() != 303:
				errs <- fmt.Sprintf("status %v", resp.GetStatus())
			default:
				errs <- ""
			}
		}()
	}
	for range parallel {
		if e := <-errs; e != "" {
			t.Errorf("concurrent bomb: %s, want a 303 refusal", e)
		}
	}
	peak := procStatusBytes(t, b.Pid(), "VmHWM")
	after := procStatusBytes(t, b.Pid(), "VmRSS")
	t.Logf("receiver RSS %d MB before, %d MB after, peak %d MB", before>>20, after>>20, peak>>20)
	if peak >= bombRSSLimit {
		t.Errorf("receiver peak RSS %d MB, want under %d MB", peak>>20, bombRSSLimit>>20)
	}
	if exited, err := b.Exited(); exited {
		t.Fatalf("receiver exited: %v", err)
	}

	// The same connection and token still carry good transfers.
	tb := &model.Tablet{Device: model.Path{"root", "bomb", "d"}, Measurements: []string{"s"}, Times: []int64{1, 2}, Columns: []model.Column{model.NewColumn(model.Int64, 2)}}
	tb.Columns[0].Append(int64(10))
	tb.Columns[0].Append(int64(20))
	resp, err := client.PipeTransfer(ctx, &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: transfer.TypeTablets,
		Body: transfer.EncodeTablets(transfer.Tablets{Token: hs.Token, Tablets: []*model.Tablet{tb}})})
	if err != nil || resp.GetStatus().GetCode() != 200 {
		t.Fatalf("good transfer after the bombs: %v %v", resp, err)
	}
	want := pipeData{}
	want.add("root.bomb.d.s", map[int64]string{1: "10", 2: "20"})
	pipeWaitData(t, cb, "root.bomb", want, 10*time.Second)
}

// bombHandshake handshakes as root on c and returns the token.
func bombHandshake(t *testing.T, c *pipethrift.PipeTransferServiceClient) string {
	t.Helper()
	resp, err := c.PipeTransfer(context.Background(), &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: transfer.TypeHandshake,
		Body: transfer.EncodeHandshake(transfer.Handshake{ClusterID: "bomber", TimestampPrecision: transfer.PrecisionMillis, User: "root", Password: "root", SenderVersion: "e2e"})})
	if err != nil || resp.GetStatus().GetCode() != 200 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	hs, err := transfer.DecodeHandshakeResult(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return hs.Token
}

// pipeTransferClient is a framed-binary pipeTransfer client of addr.
func pipeTransferClient(t *testing.T, addr string) *pipethrift.PipeTransferServiceClient {
	t.Helper()
	cfg := &thrift.TConfiguration{ConnectTimeout: 5 * time.Second, SocketTimeout: 30 * time.Second}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketConf(addr, cfg), cfg)
	if err := trans.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = trans.Close() })
	pf := thrift.NewTBinaryProtocolFactoryConf(cfg)
	return pipethrift.NewPipeTransferServiceClient(thrift.NewTStandardClient(pf.GetProtocol(trans), pf.GetProtocol(trans)))
}

// rleZstdFrame is a zstd frame of blocks × 128 KiB of zeros, each block in
// RLE form (4 bytes), with no content size declared.
func rleZstdFrame(blocks int) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38} // magic, no size, 128 KiB window
	const size = 128 << 10
	for i := range blocks {
		hdr := uint32(size<<3 | 1<<1) // RLE block
		if i == blocks-1 {
			hdr |= 1 // last block
		}
		b = append(b, byte(hdr), byte(hdr>>8), byte(hdr>>16), 0)
	}
	return b
}

// procStatusBytes reads a "kB" field of /proc/<pid>/status, in bytes.
func procStatusBytes(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the receiver's memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", field, rest, err)
		}
		return kb << 10
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
