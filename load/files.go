package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluicedb/sluice/tsfile"
)

// Ext is the file name extension LOAD picks in a directory.
const Ext = ".tsfile"

// ModsExt is appended to a TsFile's name for its deletion file.
const ModsExt = ".mods"

// ErrNoFiles is returned by Files for a directory without any TsFile.
var ErrNoFiles = errors.New("no .tsfile files")

// Files lists what loading path means: the file itself, or every *.tsfile
// under the directory path, recursively (as IoTDB's LOAD walks a
// directory), in lexical order.
func Files(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: file or directory not found", path)
		}
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), Ext) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrNoFiles)
	}
	sort.Strings(out)
	return out, nil
}

// ReadMods reads the deletions of the TsFile at path from path+".mods";
// a file without one has none.
func ReadMods(path string) ([]tsfile.Deletion, error) {
	f, err := os.Open(path + ModsExt)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dels, err := tsfile.ReadMods(f)
	if err != nil {
		return nil, fmt.Errorf("%s%s: %w", path, ModsExt, err)
	}
	return dels, nil
}

// Remove deletes a loaded TsFile and its .mods and .resource companions
// (LOAD ... onSuccess=delete).
func Remove(path string) error {
	if err := os.Remove(path); err != nil {
		return err
	}
	for _, ext := range []string{ModsExt, ".resource"} {
		if err := os.Remove(path + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
