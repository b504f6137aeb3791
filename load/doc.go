// Package load reads TsFiles (with their .mods deletion files) and hands
// their rows to a Sink as tablets in bounded batches. It is the part the
// LOAD statement and `sluice import-tsfile` share (a receiver of TsFile
// transfers could use it too): where the tablets go (the routed write path
// of a DataNode, or a client session) is the caller's.
//
// Memory stays bounded whatever the file size: the tsfile reader decodes one
// chunk at a time per series and at most Options.BatchPoints values are
// buffered before the Sink is called.
package load
