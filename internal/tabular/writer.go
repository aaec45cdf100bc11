package tabular

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Writer writes rows for error reports and exports, passing every cell through Neutralize.
type Writer interface {
	Write(cells []string) error // appends one row
	Close() error               // finishes the file; the io.Writer stays open
}

// NewWriter returns a Writer of the format on w: CSV as UTF-8 with a BOM, or a one-sheet .xlsx.
func NewWriter(w io.Writer, format Format) (Writer, error) {
	switch format {
	case CSV:
		// Without the BOM, Excel on Chinese Windows reads UTF-8 as GBK and
		// shows mojibake.
		if _, err := w.Write(utf8BOM); err != nil {
			return nil, fmt.Errorf("writing the CSV file: %w", err)
		}
		cw := csv.NewWriter(w)
		cw.UseCRLF = true // what Excel writes, and what RFC 4180 asks for
		return &csvWriter{w: cw}, nil
	case XLSX:
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter(f.GetSheetName(0))
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("starting the .xlsx sheet: %w", err)
		}
		return &xlsxWriter{dst: w, f: f, sw: sw}, nil
	}
	return nil, fmt.Errorf("tabular: unknown format %q (want csv or xlsx)", format)
}

var errWriterClosed = errors.New("tabular: write after Close")

// Neutralize prefixes an apostrophe to a cell starting with = + - @, a tab or a CR (formula injection).
func Neutralize(cell string) string {
	// A spreadsheet program takes such a cell for a formula (OWASP "CSV
	// injection"), which can run commands or leak data; with the
	// apostrophe it is shown as text. Other cells are returned unchanged.
	if cell != "" && isFormulaStart(cell[0]) {
		return "'" + cell
	}
	return cell
}

// isFormulaStart reports whether a cell starting with b may be evaluated.
func isFormulaStart(b byte) bool {
	switch b {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

type csvWriter struct {
	w      *csv.Writer
	buf    []string
	closed bool
}

func (c *csvWriter) Write(cells []string) error {
	if c.closed {
		return errWriterClosed
	}
	c.buf = c.buf[:0]
	for _, cell := range cells {
		c.buf = append(c.buf, Neutralize(cell))
	}
	if err := c.w.Write(c.buf); err != nil {
		return fmt.Errorf("writing the CSV file: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("writing the CSV file: %w", err)
	}
	return nil
}

// maxCellChars is Excel's limit on a cell, in UTF-16 code units; excelize
// would silently cut a longer value, which an export must not do.
const maxCellChars = excelize.TotalCellChars

type xlsxWriter struct {
	dst    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
	vals   []any
	closed bool
}

func (x *xlsxWriter) Write(cells []string) error {
	if x.closed {
		return errWriterClosed
	}
	if x.row >= excelize.TotalRows {
		return fmt.Errorf("an .xlsx sheet holds at most %d rows; export as CSV instead", excelize.TotalRows)
	}
	x.row++
	x.vals = x.vals[:0]
	for i, cell := range cells {
		if len(cell) > maxCellChars && utf16Len(cell) > maxCellChars {
			return fmt.Errorf("row %d, column %s: the cell has more than the %d characters an .xlsx cell holds; export as CSV instead", x.row, ColumnLetter(i), maxCellChars)
		}
		if cell == "" {
			x.vals = append(x.vals, nil) // no cell element at all
			continue
		}
		x.vals = append(x.vals, Neutralize(cell))
	}
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("row %d of the .xlsx sheet: %w", x.row, err)
	}
	if err := x.sw.SetRow(ref, x.vals); err != nil {
		return fmt.Errorf("row %d of the .xlsx sheet: %w", x.row, err)
	}
	return nil
}

// utf16Len counts UTF-16 code units, the unit of Excel's cell limit.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func (x *xlsxWriter) Close() (err error) {
	if x.closed {
		return nil
	}
	x.closed = true
	defer func() {
		if cerr := x.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("removing the .xlsx writer's temporary files: %w", cerr)
		}
	}()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("finishing the .xlsx sheet: %w", err)
	}
	// excelize assembles the package in a bytes.Buffer that it hands to
	// ZipWriter; writing the ZIP straight to the destination instead keeps
	// a large export out of memory. The buffer then stays empty, and all
	// excelize does with it afterwards is mark the local headers of parts
	// over 4 GiB, which readers take from the central directory anyway.
	x.f.ZipWriter = func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.dst) }
	if err := x.f.Write(x.dst); err != nil {
		return fmt.Errorf("writing the .xlsx file: %w", err)
	}
	return nil
}
