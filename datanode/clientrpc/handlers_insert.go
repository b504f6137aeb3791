package clientrpc

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Every insert RPC becomes one ast.InsertTablets: typed for records and
// tablets, untyped TEXT columns for string records (the executor converts
// them to the series' types). The test variants decode and validate the
// same way and stop before writing.

// insertCall decodes a request with build and writes the tablets, or only
// checks them when test is set.
func (sv *service) insertCall(ctx context.Context, method string, sid int64, typed, test bool, build func() ([]*model.Tablet, error)) *rpc.TSStatus {
	return call(ctx, sv, method, &sid, func(ctx context.Context, ss *session) (*rpc.TSStatus, error) {
		tablets, err := build()
		if err != nil {
			return nil, err
		}
		for _, t := range tablets {
			if err := t.Validate(); err != nil {
				if errors.Is(err, model.ErrBadPath) {
					return nil, status.Errorf(status.IllegalPath, "%w", err)
				}
				return nil, status.Errorf(status.IllegalParameter, "%w", err)
			}
		}
		if test {
			return statusOf(nil), nil
		}
		if err := sv.exec(ctx, ss, &ast.InsertTablets{Tablets: tablets, Typed: typed}); err != nil {
			return nil, err
		}
		return sv.redirect(tablets), nil
	}, func(st *rpc.TSStatus) *rpc.TSStatus { return st })
}

// redirect is the status of a successful write: plain success, or, when
// the write had one device and the backend knows that another DataNode
// leads that device's region, IoTDB's redirection recommendation naming
// that DataNode's client endpoint, so that a cluster-aware client sends the
// device's next writes there.
func (sv *service) redirect(tablets []*model.Tablet) *rpc.TSStatus {
	r, ok := sv.srv.backend.(Redirector)
	if !ok || len(tablets) == 0 {
		return statusOf(nil)
	}
	device := tablets[0].Device
	for _, t := range tablets[1:] {
		if !slices.Equal(t.Device, device) {
			return statusOf(nil)
		}
	}
	host, port, ok := r.LeaderEndpoint(device)
	if !ok {
		return statusOf(nil)
	}
	msg := fmt.Sprintf("the leader of %s is the DataNode at %s:%d", device, host, port)
	return &rpc.TSStatus{Code: int32(status.RedirectionRecommend), Message: &msg, RedirectNode: &rpc.EndPoint{IP: host, Port: int32(port)}}
}

// InsertRecord writes one row of one device.
func (sv *service) InsertRecord(ctx context.Context, req *rpc.TSInsertRecordReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertRecord", req.SessionId, true, false, func() ([]*model.Tablet, error) { return recordTablets(req) }), nil
}

// TestInsertRecord checks an insertRecord request without writing.
func (sv *service) TestInsertRecord(ctx context.Context, req *rpc.TSInsertRecordReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertRecord", req.SessionId, true, true, func() ([]*model.Tablet, error) { return recordTablets(req) }), nil
}

// InsertRecords writes rows of several devices.
func (sv *service) InsertRecords(ctx context.Context, req *rpc.TSInsertRecordsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertRecords", req.SessionId, true, false, func() ([]*model.Tablet, error) { return recordsTablets(req) }), nil
}

// TestInsertRecords checks an insertRecords request without writing.
func (sv *service) TestInsertRecords(ctx context.Context, req *rpc.TSInsertRecordsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertRecords", req.SessionId, true, true, func() ([]*model.Tablet, error) { return recordsTablets(req) }), nil
}

// InsertRecordsOfOneDevice writes rows of one device.
func (sv *service) InsertRecordsOfOneDevice(ctx context.Context, req *rpc.TSInsertRecordsOfOneDeviceReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertRecordsOfOneDevice", req.SessionId, true, false, func() ([]*model.Tablet, error) { return oneDeviceTablets(req) }), nil
}

// TestInsertRecordsOfOneDevice checks an insertRecordsOfOneDevice request without writing.
func (sv *service) TestInsertRecordsOfOneDevice(ctx context.Context, req *rpc.TSInsertRecordsOfOneDeviceReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertRecordsOfOneDevice", req.SessionId, true, true, func() ([]*model.Tablet, error) { return oneDeviceTablets(req) }), nil
}

// InsertStringRecord writes one row given as strings.
func (sv *service) InsertStringRecord(ctx context.Context, req *rpc.TSInsertStringRecordReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertStringRecord", req.SessionId, false, false, func() ([]*model.Tablet, error) { return stringRecordTablets(req) }), nil
}

// TestInsertStringRecord checks an insertStringRecord request without writing.
func (sv *service) TestInsertStringRecord(ctx context.Context, req *rpc.TSInsertStringRecordReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertStringRecord", req.SessionId, false, true, func() ([]*model.Tablet, error) { return stringRecordTablets(req) }), nil
}

// InsertStringRecords writes rows of several devices given as strings.
func (sv *service) InsertStringRecords(ctx context.Context, req *rpc.TSInsertStringRecordsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertStringRecords", req.SessionId, false, false, func() ([]*model.Tablet, error) { return stringRecordsTablets(req) }), nil
}

// TestInsertStringRecords checks an insertStringRecords request without writing.
func (sv *service) TestInsertStringRecords(ctx context.Context, req *rpc.TSInsertStringRecordsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertStringRecords", req.SessionId, false, true, func() ([]*model.Tablet, error) { return stringRecordsTablets(req) }), nil
}

// InsertStringRecordsOfOneDevice writes rows of one device given as strings.
func (sv *service) InsertStringRecordsOfOneDevice(ctx context.Context, req *rpc.TSInsertStringRecordsOfOneDeviceReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertStringRecordsOfOneDevice", req.SessionId, false, false, func() ([]*model.Tablet, error) {
		b := newRowTablets(req.GetIsAligned())
		if err := sameLen(len(req.Timestamps), len(req.MeasurementsList), len(req.ValuesList)); err != nil {
			return nil, err
		}
		for i, ts := range req.Timestamps {
			if err := b.add(req.PrefixPath, ts, req.MeasurementsList[i], textCells(req.ValuesList[i])); err != nil {
				return nil, err
			}
		}
		return b.tablets(), nil
	}), nil
}

// InsertTablet writes a tablet.
func (sv *service) InsertTablet(ctx context.Context, req *rpc.TSInsertTabletReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertTablet", req.SessionId, true, false, func() ([]*model.Tablet, error) { return tabletOf(req) }), nil
}

// TestInsertTablet checks an insertTablet request without writing.
func (sv *service) TestInsertTablet(ctx context.Context, req *rpc.TSInsertTabletReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertTablet", req.SessionId, true, true, func() ([]*model.Tablet, error) { return tabletOf(req) }), nil
}

// InsertTablets writes several tablets.
func (sv *service) InsertTablets(ctx context.Context, req *rpc.TSInsertTabletsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "insertTablets", req.SessionId, true, false, func() ([]*model.Tablet, error) { return tabletsOf(req) }), nil
}

// TestInsertTablets checks an insertTablets request without writing.
func (sv *service) TestInsertTablets(ctx context.Context, req *rpc.TSInsertTabletsReq) (*rpc.TSStatus, error) {
	if req == nil {
		return noRequest(), nil
	}
	return sv.insertCall(ctx, "testInsertTablets", req.SessionId, true, true, func() ([]*model.Tablet, error) { return tabletsOf(req) }), nil
}

func recordTablets(req *rpc.TSInsertRecordReq) ([]*model.Tablet, error) {
	cells, err := decodeRecord(req.Values, len(req.Measurements))
	if err != nil {
		return nil, err
	}
	b := newRowTablets(req.GetIsAligned())
	if err := b.add(req.PrefixPath, req.Timestamp, req.Measurements, cells); err != nil {
		return nil, err
	}
	return b.tablets(), nil
}

func recordsTablets(req *rpc.TSInsertRecordsReq) ([]*model.Tablet, error) {
	if err := sameLen(len(req.PrefixPaths), len(req.Timestamps), len(req.MeasurementsList), len(req.ValuesList)); err != nil {
		return nil, err
	}
	b := newRowTablets(req.GetIsAligned())
	for i, dev := range req.PrefixPaths {
		cells, err := decodeRecord(req.ValuesList[i], len(req.MeasurementsList[i]))
		if err != nil {
			return nil, status.Errorf(status.CodeOf(err), "record %d of %s: %w", i, dev, err)
		}
		if err := b.add(dev, req.Timestamps[i], req.MeasurementsList[i], cells); err != nil {
			return nil, err
		}
	}
	return b.tablets(), nil
}

func oneDeviceTablets(req *rpc.TSInsertRecordsOfOneDeviceReq) ([]*model.Tablet, error) {
	if err := sameLen(len(req.Timestamps), len(req.MeasurementsList), len(req.ValuesList)); err != nil {
		return nil, err
	}
	b := newRowTablets(req.GetIsAligned())
	for i, ts := range req.Timestamps {
		cells, err := decodeRecord(req.ValuesList[i], len(req.MeasurementsList[i]))
		if err != nil {
			return nil, status.Errorf(status.CodeOf(err), "record %d of %s: %w", i, req.PrefixPath, err)
		}
		if err := b.add(req.PrefixPath, ts, req.MeasurementsList[i], cells); err != nil {
			return nil, err
		}
	}
	return b.tablets(), nil
}

func stringRecordTablets(req *rpc.TSInsertStringRecordReq) ([]*model.Tablet, error) {
	b := newRowTablets(req.GetIsAligned())
	if err := b.add(req.PrefixPath, req.Timestamp, req.Measurements, textCells(req.Values)); err != nil {
		return nil, err
	}
	return b.tablets(), nil
}

func stringRecordsTablets(req *rpc.TSInsertStringRecordsReq) ([]*model.Tablet, error) {
	if err := sameLen(len(req.PrefixPaths), len(req.Timestamps), len(req.MeasurementsList), len(req.ValuesList)); err != nil {
		return nil, err
	}
	b := newRowTablets(req.GetIsAligned())
	for i, dev := range req.PrefixPaths {
		if err := b.add(dev, req.Timestamps[i], req.MeasurementsList[i], textCells(req.ValuesList[i])); err != nil {
			return nil, err
		}
	}
	return b.tablets(), nil
}

func tabletOf(req *rpc.TSInsertTabletReq) ([]*model.Tablet, error) {
	t, err := decodeTablet(req.PrefixPath, req.GetIsAligned(), req.Measurements, req.Types, req.Values, req.Timestamps, req.Size)
	if err != nil {
		return nil, err
	}
	return []*model.Tablet{t}, nil
}

func tabletsOf(req *rpc.TSInsertTabletsReq) ([]*model.Tablet, error) {
	n := len(req.PrefixPaths)
	if err := sameLen(n, len(req.MeasurementsList), len(req.ValuesList), len(req.TimestampsList), len(req.TypesList), len(req.SizeList)); err != nil {
		return nil, err
	}
	out := make([]*model.Tablet, n)
	for i, dev := range req.PrefixPaths {
		t, err := decodeTablet(dev, req.GetIsAligned(), req.MeasurementsList[i], req.TypesList[i], req.ValuesList[i], req.TimestampsList[i], req.SizeList[i])
		if err != nil {
			return nil, status.Errorf(status.CodeOf(err), "tablet %d: %w", i, err)
		}
		out[i] = t
	}
	return out, nil
}

// sameLen checks that the parallel lists of a request line up.
func sameLen(n int, others ...int) error {
	for _, m := range others {
		if m != n {
			return status.Errorf(status.IllegalParameter, "request lists differ in length (%d and %d entries)", n, m)
		}
	}
	return nil
}
