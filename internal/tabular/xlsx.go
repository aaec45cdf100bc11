package tabular

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

const (
	// xmlInMemory is the size above which excelize unpacks a worksheet or the
	// shared-string table to a temporary file and streams it from there
	// instead of holding it in memory. Its default, 16 MiB, would let a
	// workbook of many mid-sized sheets fill memory.
	xmlInMemory = 1 << 20
	// maxUnpacked bounds what a workbook may unpack to: a sheet of the
	// 1,048,576 rows Excel allows, with a few dozen columns, stays well
	// below it, and a ZIP bomb does not.
	maxUnpacked = 4 << 30
	// maxHeld bounds the parts that excelize keeps in memory whatever their
	// size (styles, drawings, comments, pivot caches): without it a small
	// upload could still claim gigabytes.
	maxHeld = 256 << 20
)

// xlsxReader streams one sheet through excelize's row iterator.
type xlsxReader struct {
	f      *excelize.File
	rows   *excelize.Rows
	header []string
	n      int   // rows the iterator has passed, which is the row number
	err    error // sticky
}

func openXLSX(r io.ReaderAt, size int64, opts Options) (_ Reader, err error) {
	x := &xlsxReader{}
	defer func() {
		// excelize is a large parser fed with uploads; a panic in it must
		// refuse one file, not bring down the import worker.
		if p := recover(); p != nil {
			err = damaged(fmt.Errorf("it could not be parsed (%v)", p))
		}
		if err != nil {
			_ = x.Close()
		}
	}()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			// The zip reader's words ("not a valid zip file") add nothing
			// for a clerk; the error is kept for the log.
			return nil, &FileError{Reason: "the .xlsx file is damaged or incomplete: its table of contents is missing or broken, so the upload was probably cut off", Err: err}
		}
		return nil, damaged(err)
	}
	tmp, err := copyParts(zr, opts.TempDir)
	if tmp != "" {
		// excelize holds or unpacks every part it needs before OpenFile
		// returns, so the copy can go at once.
		defer os.Remove(tmp)
	}
	if err != nil {
		return nil, err
	}
	x.f, err = excelize.OpenFile(tmp, excelize.Options{
		UnzipSizeLimit:    maxUnpacked,
		UnzipXMLSizeLimit: xmlInMemory,
		TmpDir:            opts.TempDir,
	})
	if err != nil {
		return nil, damaged(err)
	}
	sheet, err := chooseSheet(x.f, opts.Sheet)
	if err != nil {
		return nil, err
	}
	if x.rows, err = x.f.Rows(sheet); err != nil {
		return nil, damaged(fmt.Errorf("sheet %q cannot be read: %w", sheet, err))
	}
	h, err := x.Next()
	if err == io.EOF {
		return nil, &FileError{Reason: fmt.Sprintf("%s (sheet %q is empty)", msgNoHeader, sheet)}
	}
	if err != nil {
		return nil, err
	}
	x.header = h.Cells
	return x, nil
}

// copyParts copies the workbook's XML parts, still compressed, to a
// temporary file and returns its name. excelize can open a workbook only
// from a path or from a byte slice, and a slice would hold the whole upload
// in memory; copying only the XML leaves out pictures, embedded objects and
// macros, which excelize would otherwise load into memory although no cell
// value depends on them.
func copyParts(zr *zip.Reader, dir string) (name string, err error) {
	var total, held uint64
	hasTypes := false
	for _, zf := range zr.File {
		n := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		hasTypes = hasTypes || n == "[content_types].xml"
		if !keepPart(n) {
			continue
		}
		total += zf.UncompressedSize64
		streamed := (strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml") &&
			zf.UncompressedSize64 > xmlInMemory
		if !streamed {
			held += zf.UncompressedSize64
		}
	}
	switch {
	case !hasTypes:
		return "", &FileError{Reason: "this ZIP file is not an .xlsx workbook; save the data as .xlsx or CSV"}
	case total > maxUnpacked:
		return "", &FileError{Reason: fmt.Sprintf("the workbook unpacks to more than %d GiB; split it into smaller files or save it as CSV", maxUnpacked>>30)}
	case held > maxHeld:
		return "", &FileError{Reason: fmt.Sprintf("the workbook holds more than %d MiB besides its cells (drawings, comments, pivot tables); copy the data into a new workbook or save it as CSV", maxHeld>>20)}
	}
	tmp, err := os.CreateTemp(dir, "gridgov-tabular-*.xlsx")
	if err != nil {
		return "", fmt.Errorf("creating a temporary copy of the workbook: %w", err)
	}
	name = tmp.Name()
	zw := zip.NewWriter(tmp)
	for _, zf := range zr.File {
		if !keepPart(strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))) {
			continue
		}
		if err = copyPart(zw, zf); err != nil {
			break
		}
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing the temporary copy of the workbook: %w", cerr)
	}
	return name, err
}

// keepPart reports whether excelize needs a part (by lower-cased name) to
// read cell values: all XML parts and relationships, nothing binary.
func keepPart(name string) bool {
	return strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels")
}

// copyPart checks one part and copies it without recompressing it. The
// check is ours because excelize ignores read errors when it unpacks a part
// and would read a corrupt sheet as a shorter one: rows would go missing
// without a word.
func copyPart(zw *zip.Writer, zf *zip.File) error {
	rc, err := zf.Open()
	if err == nil {
		// archive/zip verifies the size and the checksum at the end.
		_, err = io.Copy(io.Discard, rc)
		_ = rc.Close()
	}
	if err != nil {
		return damaged(fmt.Errorf("its part %s is corrupt (%w)", zf.Name, err))
	}
	src, err := zf.OpenRaw()
	if err != nil {
		return damaged(fmt.Errorf("its part %s cannot be read (%w)", zf.Name, err))
	}
	fh := zf.FileHeader
	dst, err := zw.CreateRaw(&fh)
	if err == nil {
		_, err = io.Copy(dst, src)
	}
	if err != nil {
		return fmt.Errorf("copying part %s of the workbook: %w", zf.Name, err)
	}
	return nil
}

// chooseSheet returns the sheet to read: the one asked for (matched
// exactly, then ignoring case and surrounding spaces), or else the first
// visible one, since a hidden first sheet is usually a template's list of
// allowed values rather than the data.
func chooseSheet(f *excelize.File, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", damaged(errors.New("it has no sheets"))
	}
	if want == "" {
		for _, s := range sheets {
			if visible, err := f.GetSheetVisible(s); err == nil && visible {
				return s, nil
			}
		}
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(want)) {
			return s, nil
		}
	}
	quoted := make([]string, len(sheets))
	for i, s := range sheets {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "", &FileError{Reason: fmt.Sprintf("the workbook has no sheet named %q; its sheets are %s", want, strings.Join(quoted, ", "))}
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (row Row, err error) {
	if x.err != nil {
		return Row{}, x.err
	}
	defer func() {
		if p := recover(); p != nil {
			x.err = &FileError{Row: x.n, Reason: fmt.Sprintf("the .xlsx file is damaged: the row could not be parsed (%v)", p)}
			row, err = Row{}, x.err
		}
	}()
	// Next advances one row number at a time, also over rows missing from
	// the file, so counting its calls gives the row number a user sees.
	for x.rows.Next() {
		x.n++
		cells, err := x.rows.Columns()
		if err != nil {
			x.err = &FileError{Row: x.n, Reason: "the .xlsx file is damaged: the row's cells cannot be read: " + err.Error(), Err: err}
			return Row{}, x.err
		}
		if cells = trimCells(cells); cells != nil {
			return Row{Number: x.n, Cells: cells}, nil
		}
	}
	if err := x.rows.Error(); err != nil {
		x.err = &FileError{Row: x.n + 1, Reason: "the sheet cannot be read further: " + err.Error(), Err: err}
		return Row{}, x.err
	}
	x.err = io.EOF
	return Row{}, io.EOF
}

func (x *xlsxReader) Close() error {
	var errs []error
	if x.rows != nil {
		errs = append(errs, x.rows.Close())
		x.rows = nil
	}
	if x.f != nil {
		errs = append(errs, x.f.Close())
		x.f = nil
	}
	if x.err == nil {
		x.err = errReaderClosed
	}
	return errors.Join(errs...)
}
