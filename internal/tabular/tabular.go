// Package tabular reads and writes the spreadsheets that clerks exchange with
// the registry: CSV in UTF-8 or GBK/GB18030 and .xlsx workbooks. Reading is
// streamed row by row, so memory stays flat however many rows a file has;
// writing neutralises spreadsheet formulas so that an export cannot run code
// in the program that opens it.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Format is a spreadsheet file format.
type Format string

// The formats this package reads and writes.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ContentType is the MIME type to send with a file of this format.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Encoding is the character encoding of a CSV file.
type Encoding string

// The encodings a CSV file may be read in; the empty Encoding means Auto.
const (
	Auto Encoding = "auto"
	UTF8 Encoding = "utf-8"
	// GBK is read as GB18030, its superset, so that every character a
	// Chinese Windows system can save decodes.
	GBK Encoding = "gbk"
)

// Options tune Open; the zero value sniffs the encoding and reads the first visible sheet.
type Options struct {
	Encoding Encoding // CSV only; "" or Auto sniffs the first 64 KiB
	Sheet    string   // xlsx only; "" is the first visible sheet
	TempDir  string   // xlsx only: where the unpacked workbook goes; "" is os.TempDir()
}

// Row is one non-empty row of data, numbered as a spreadsheet user sees it.
type Row struct {
	Number int      // 1-based; the header is normally row 1, and skipped blank rows still count
	Cells  []string // trimmed of surrounding spaces, without trailing empty cells
}

// Reader streams the rows of a spreadsheet after its header row.
type Reader interface {
	Header() []string   // the cells of the header row, the first non-empty one
	Next() (Row, error) // the next non-empty row; io.EOF at the end; a *FileError names a bad row, after which Next goes on or repeats the error
	Close() error       // releases temporary files; the ReaderAt stays open
}

// FileError is a problem with a file's content, worded for the clerk who uploaded it.
type FileError struct {
	Row    int    // 0 when the problem concerns the whole file
	Reason string // plain words: what is wrong and what to do
	Err    error  // the underlying error, if any, for logs
}

// Error returns the reason, prefixed with the row number when there is one.
func (e *FileError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	return e.Reason
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

var (
	zipMagic = []byte("PK\x03\x04")
	// oleMagic starts Compound File Binary documents: Excel 97-2003 .xls and
	// also password-protected .xlsx, which Excel wraps in such a container.
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Open starts reading a CSV or .xlsx file after its header row; content errors are *FileError.
func Open(r io.ReaderAt, size int64, name string, opts Options) (Reader, error) {
	// The format comes from the content and the name (see detectFormat);
	// nothing is read into memory beyond a CSV file's first 64 KiB.
	if size < 0 {
		return nil, fmt.Errorf("tabular: negative file size %d", size)
	}
	head := make([]byte, min(size, int64(len(oleMagic))))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		return nil, fmt.Errorf("reading the start of the file: %w", err)
	}
	format, err := detectFormat(head, size, name)
	if err != nil {
		return nil, err
	}
	if format == XLSX {
		return openXLSX(r, size, opts)
	}
	return openCSV(r, size, opts)
}

// detectFormat trusts the content first: a clerk may well name an .xlsx
// "data.csv", but a ZIP package is never a CSV file. The name only decides
// which message explains a file that is neither.
func detectFormat(head []byte, size int64, name string) (Format, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return XLSX, nil
	case bytes.HasPrefix(head, oleMagic) && ext == ".xls":
		return "", &FileError{Reason: "this is an old Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV and upload it again"}
	case bytes.HasPrefix(head, oleMagic):
		return "", &FileError{Reason: "the workbook is password-protected or in the old .xls format; remove the password and save it as .xlsx, or save it as CSV"}
	case ext == ".xlsx" || ext == ".xlsm":
		if size == 0 {
			return "", damaged(errors.New("the file is empty"))
		}
		return "", damaged(errors.New("it is not a ZIP package, as every .xlsx file is"))
	case ext == ".xls":
		return "", &FileError{Reason: "the old .xls format is not supported; save the file as .xlsx or CSV and upload it again"}
	}
	return CSV, nil
}

var errReaderClosed = errors.New("tabular: Next after Close")

// damaged explains a workbook that cannot be unpacked.
func damaged(err error) *FileError {
	return &FileError{Reason: "the .xlsx file is damaged or incomplete: " + err.Error(), Err: err}
}

// trimCells returns a new slice of the cells trimmed of surrounding spaces
// (including full-width and non-breaking ones) and of trailing empty cells,
// or nil when every cell is empty. It copies so that callers may keep rows
// while the CSV reader reuses its record.
func trimCells(cells []string) []string {
	last := -1
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			last = i
			break
		}
	}
	if last < 0 {
		return nil
	}
	out := make([]string, last+1)
	for i := range out {
		out[i] = strings.TrimSpace(cells[i])
	}
	return out
}
