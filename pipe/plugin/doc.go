// Package plugin names the built-in pipe plugins and validates the
// attributes of CREATE PIPE's SOURCE, PROCESSOR and SINK clauses into a
// Spec, as the data-sync reference (SPEC-data-sync.md) describes them.
//
// Attribute keys are case-insensitive (they are lower-cased) and values are
// trimmed. Apart from the plugin-name keys themselves ('source' or
// 'extractor', 'processor', 'sink' or 'connector'), a key may be written with
// its clause's prefix ('source.' or 'extractor.', 'processor.', 'sink.' or
// 'connector.') or without one, as IoTDB V1.3.1 allows. Two spellings of the
// same parameter in one clause are an error, as is any key the plugin does
// not know: a typo must not silently widen what a pipe ships.
//
// The source pattern is not a path pattern: it is a string prefix of the
// series path written in its canonical form (model.Path.String). Pattern
// 'root.aligned.1' therefore selects root.aligned.1TS.s and
// root.aligned.100TS.s but not root.aligned.`1`.s, and 'root.db' also
// selects root.db2. Complete nodes of the pattern are rewritten canonically
// (root.`sg`.d becomes root.sg.d) so that a needless back-quote does not
// make a pipe select nothing.
//
// Times are epoch milliseconds or date-times in the forms the SQL accepts
// (2011-12-03T10:15:30, 2011.12.03T10:15:30+01:00, 2011/12/03 10:15:30.5Z,
// ...); a date-time without an offset is read in the session's zone. Bounds
// are inclusive. When start-time or end-time is given, history.start-time
// and history.end-time are ignored (their syntax is still checked).
//
// Accepted without effect: source 'realtime.mode' (hybrid, log, file,
// forced-log), since Sluice's realtime phase always reads the replicated
// log; processor 'down-sampling.split-file', since Sluice samples the
// historical phase as well as the realtime one whatever it says.
// Refused: IoTDB plugins Sluice does not implement (WebSocket, OPC UA,
// write-back sinks; the aggregate, count-point and
// throwing-exception processors; do-nothing source).
package plugin
