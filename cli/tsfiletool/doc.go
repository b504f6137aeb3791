// Package tsfiletool implements `sluice import-tsfile` and `sluice
// export-tsfile`, the client-side counterparts of IoTDB's import-tsfile and
// export-tsfile tools. Both connect like `sluice cli` (-h -p -u -pw -usessl
// -ts). Import reads TsFiles (and their .mods) with package load and sends
// their rows as insertTablets requests in bounded batches; export runs raw
// queries, device by device, and writes the pages of results into a TsFile
// with the tsfile writer. Either keeps memory bounded by its batch size,
// whatever the size of the data.
package tsfiletool
