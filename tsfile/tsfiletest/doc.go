// Package tsfiletest reads the expected dumps of the reference TsFiles
// (tsfile/testdata/expected.dump.txt, written by Apache TsFile's own reader)
// for the tests that compare against them: the tsfile reader's, and the
// end-to-end tests of LOAD and import-tsfile that check every value through
// SELECT.
package tsfiletest
