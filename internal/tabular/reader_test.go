package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// open opens data as a file called name, failing the test on an error.
func open(t *testing.T, data []byte, name string, opts Options) Reader {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// openErr opens data expecting a *FileError and returns it.
func openErr(t *testing.T, data []byte, name string, opts Options) *FileError {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err == nil {
		_ = r.Close()
		t.Fatalf("Open(%s) succeeded, want an error", name)
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Open(%s) error %v (%T) is not a *FileError", name, err, err)
	}
	return fe
}

// readAll reads rows to io.EOF, failing on any error.
func readAll(t *testing.T, r Reader) []Row {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// write writes rows with a Writer of the format and returns the file.
func write(t *testing.T, format Format, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, format)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	in := [][]string{
		{"姓名", "公民身份号码", "住址", "备注"},
		{"张三", "110101199003071234", "北京市东城区, 景山街道", `他说"你好"`},
		{"李四", "", "第一行\n第二行", "<&> 😀"},
		{"王五", "0071", "", "=HYPERLINK(\"http://x\")"},
		{"赵六", "-1", "+86 138 0000 0000", "@SUM(A1)"},
		{"钱七"},
	}
	// What comes back: neutralised formulas, and no trailing empty cells.
	want := [][]string{
		in[1], in[2],
		{"王五", "0071", "", "'=HYPERLINK(\"http://x\")"},
		{"赵六", "'-1", "'+86 138 0000 0000", "'@SUM(A1)"},
		{"钱七"},
	}
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			data := write(t, format, in)
			r := open(t, data, "export."+string(format), Options{})
			if diff := cmp.Diff(in[0], r.Header()); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			rows := readAll(t, r)
			var got [][]string
			var numbers []int
			for _, row := range rows {
				got = append(got, row.Cells)
				numbers = append(numbers, row.Number)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			// The multi-line cell is one row, as in a spreadsheet.
			if diff := cmp.Diff([]int{2, 3, 4, 5, 6}, numbers); diff != "" {
				t.Errorf("row numbers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVWriterBytes(t *testing.T) {
	got := write(t, CSV, [][]string{{"姓名", "a,b"}, {"=1", "x"}})
	want := "\xEF\xBB\xBF姓名,\"a,b\"\r\n'=1,x\r\n"
	if string(got) != want {
		t.Errorf("CSV bytes = %q, want %q", got, want)
	}
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVGBK(t *testing.T) {
	text := "姓名,身份证号,住址\r\n张三,110101199003071234,\"北京市,东城区\"\r\n𠮷野家,1,镕\r\n"
	data := gbk(t, text)
	want := [][]string{{"张三", "110101199003071234", "北京市,东城区"}, {"𠮷野家", "1", "镕"}}
	for _, enc := range []Encoding{GBK, Auto, "", "GB18030"} {
		t.Run(string(enc), func(t *testing.T) {
			r := open(t, data, "人员.csv", Options{Encoding: enc})
			if diff := cmp.Diff([]string{"姓名", "身份证号", "住址"}, r.Header()); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			var got [][]string
			for _, row := range readAll(t, r) {
				got = append(got, row.Cells)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVGBKDeclaredUTF8(t *testing.T) {
	const msg = "the file is not UTF-8 (it looks like GBK); choose GBK or save as UTF-8"
	t.Run("header", func(t *testing.T) {
		fe := openErr(t, gbk(t, "姓名,年龄\r\n张三,30\r\n"), "a.csv", Options{Encoding: UTF8})
		if fe.Row != 1 || fe.Reason != msg {
			t.Errorf("error = %v, want row 1: %s", fe, msg)
		}
	})
	t.Run("later row", func(t *testing.T) {
		// Rows: 1 header, 2 blank, 3, 4 (two lines), 5 in GBK.
		data := gbk(t, "name,age\r\n\r\nzhang,30\r\n\"multi\nline\",31\r\n张三,32\r\nli,33\r\n")
		r := open(t, data, "a.csv", Options{Encoding: UTF8})
		for _, want := range []int{3, 4} {
			row, err := r.Next()
			if err != nil || row.Number != want {
				t.Fatalf("Next = %v, %v; want row %d", row, err, want)
			}
		}
		_, err := r.Next()
		var fe *FileError
		if !errors.As(err, &fe) || fe.Row != 5 || fe.Reason != msg {
			t.Fatalf("Next error = %v, want row 5: %s", err, msg)
		}
		if got := err.Error(); got != "row 5: "+msg {
			t.Errorf("message = %q", got)
		}
		// The encoding is wrong for the whole file: reading stops.
		if _, err2 := r.Next(); err2 != err {
			t.Errorf("Next after the encoding error = %v, want the same error", err2)
		}
	})
	t.Run("auto past the sniffed part", func(t *testing.T) {
		// 70,000 bytes of ASCII make Auto choose UTF-8; the GBK row after
		// them must then be reported, with its true number.
		var b strings.Builder
		b.WriteString("name,note\n")
		for b.Len() < 70000 {
			b.WriteString("zhang,plain ascii text in the first part\n")
		}
		lines := strings.Count(b.String(), "\n")
		data := append([]byte(b.String()), gbk(t, "张三,x\n")...)
		r := open(t, data, "a.csv", Options{})
		var err error
		n := 0
		for err == nil {
			_, err = r.Next()
			n++
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Row != lines+1 || fe.Reason != msg {
			t.Fatalf("error = %v, want row %d: %s", err, lines+1, msg)
		}
	})
}

func TestCSVUTF8BOM(t *testing.T) {
	data := []byte("\xEF\xBB\xBF姓名,年龄\r\n张三,30\r\n")
	// The BOM decides even when GBK was chosen.
	for _, enc := range []Encoding{Auto, UTF8, GBK} {
		r := open(t, data, "a.csv", Options{Encoding: enc})
		if diff := cmp.Diff([]string{"姓名", "年龄"}, r.Header()); diff != "" {
			t.Errorf("%s: header (-want +got):\n%s", enc, diff)
		}
		rows := readAll(t, r)
		if len(rows) != 1 || rows[0].Number != 2 || rows[0].Cells[0] != "张三" {
			t.Errorf("%s: rows = %v", enc, rows)
		}
	}
}

func TestCSVRowNumbersAndBadRows(t *testing.T) {
	data := []byte("" +
		"\r\n" + // 1: blank, skipped
		"  姓名 ,\u3000年龄　,,\r\n" + // 2: header, spaces trimmed, trailing empties dropped
		"张三,30\r\n" + // 3
		"\r\n" + // 4: blank
		" , ,\r\n" + // 5: only spaces, skipped
		"\"李\n四\",31\r\n" + // 6-7: one row of two lines
		"王\"五,32\r\n" + // 7: bare quote
		"\"赵\n六\"x,33\r\n" + // 8: bad quote on the second line of the row
		"钱七,34,,\r\n") // 9
	r := open(t, data, "a.csv", Options{Encoding: UTF8})
	if diff := cmp.Diff([]string{"姓名", "年龄"}, r.Header()); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	type result struct {
		Number int
		Cells  []string
		ErrRow int
	}
	var got []result
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var fe *FileError
		if errors.As(err, &fe) {
			got = append(got, result{ErrRow: fe.Row})
			if !strings.Contains(fe.Reason, `"`) {
				t.Errorf("reason %q does not explain the quote", fe.Reason)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, result{Number: row.Number, Cells: row.Cells})
	}
	want := []result{
		{Number: 3, Cells: []string{"张三", "30"}},
		{Number: 6, Cells: []string{"李\n四", "31"}},
		{ErrRow: 7},
		{ErrRow: 8},
		{Number: 9, Cells: []string{"钱七", "34"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestCSVRunawayQuote(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("name,note\r\nzhang,ok\r\nli,\"never closed\r\n")
	for b.Len() < 3*maxRowBytes {
		b.WriteString("more,text,that,ends,up,in,one,cell\r\n")
	}
	r := open(t, b.Bytes(), "a.csv", Options{})
	if row, err := r.Next(); err != nil || row.Number != 2 {
		t.Fatalf("Next = %v, %v; want row 2", row, err)
	}
	_, err := r.Next()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Row != 3 || fe.Reason != msgRowLong {
		t.Fatalf("error = %v, want row 3: %s", err, msgRowLong)
	}
}

func TestEmptyFiles(t *testing.T) {
	for _, tc := range []struct{ name, data string }{
		{"a.csv", ""},
		{"a.csv", "\r\n\n"},
		{"a.csv", " , ,\r\n,,\r\n"},
		{"a.csv", "\xEF\xBB\xBF"},
		{"upload", ""},
	} {
		fe := openErr(t, []byte(tc.data), tc.name, Options{})
		if fe.Reason != "the file has no header row" {
			t.Errorf("%q: error %q, want the file has no header row", tc.data, fe)
		}
	}
	fe := openErr(t, nil, "a.xlsx", Options{})
	if !strings.HasPrefix(fe.Error(), "the .xlsx file is damaged or incomplete: ") {
		t.Errorf("empty .xlsx: error %q", fe)
	}
	// A workbook whose sheet has no cells.
	f := excelize.NewFile()
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	fe = openErr(t, buf.Bytes(), "a.xlsx", Options{})
	if !strings.HasPrefix(fe.Error(), "the file has no header row") {
		t.Errorf("empty sheet: error %q", fe)
	}
}

func TestTruncatedXLSX(t *testing.T) {
	rows := [][]string{{"姓名", "年龄"}}
	for i := range 500 {
		rows = append(rows, []string{fmt.Sprintf("张%d", i), fmt.Sprint(i)})
	}
	data := write(t, XLSX, rows)
	for _, cut := range []int{len(data) / 2, 4, 100, len(data) / 3, len(data) - 30, len(data) - 1} {
		fe := openErr(t, data[:cut], "人员.xlsx", Options{})
		if !strings.HasPrefix(fe.Error(), "the .xlsx file is damaged or incomplete: ") {
			t.Errorf("cut at %d of %d: error %q", cut, len(data), fe)
		}
	}
	// Cut before its table of contents, it says so, not in the zip reader's words.
	if fe := openErr(t, data[:len(data)/2], "人员.xlsx", Options{}); fe.Error() !=
		"the .xlsx file is damaged or incomplete: its table of contents is missing or broken, so the upload was probably cut off" {
		t.Errorf("cut at half: error %q", fe)
	}
	// Cut at half and called .csv: the content still says ZIP.
	fe := openErr(t, data[:len(data)/2], "人员.csv", Options{})
	if !strings.HasPrefix(fe.Error(), "the .xlsx file is damaged or incomplete: ") {
		t.Errorf("half as .csv: error %q", fe)
	}
}

func TestCorruptXLSXPart(t *testing.T) {
	rows := [][]string{{"姓名", "年龄"}}
	for i := range 2000 {
		rows = append(rows, []string{fmt.Sprintf("张%d", i), fmt.Sprint(i)})
	}
	data := write(t, XLSX, rows)
	// Flip bytes in the middle of the sheet's compressed data: the
	// directory at the end is intact, the sheet is not. (excelize alone
	// would read the rows before the damage and stop without an error.)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sheet *zip.File
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			sheet = f
		}
	}
	if sheet == nil {
		t.Fatal("no sheet1.xml in the test workbook")
	}
	off, err := sheet.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(data)
	mid := off + int64(sheet.CompressedSize64)/2
	for i := mid; i < mid+16; i++ {
		bad[i] ^= 0x5A
	}
	fe := openErr(t, bad, "a.xlsx", Options{})
	if want := "the .xlsx file is damaged or incomplete: its part xl/worksheets/sheet1.xml is corrupt"; !strings.HasPrefix(fe.Error(), want) {
		t.Errorf("error %q, want it to start with %q", fe, want)
	}
}

func TestFormatDetection(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...)
	for _, tc := range []struct {
		name, data, want string
	}{
		{"old.xls", string(ole), "old Excel 97-2003 (.xls)"},
		{"secret.xlsx", string(ole), "password-protected"},
		{"data.xlsx", "name,age\n", "the .xlsx file is damaged or incomplete: it is not a ZIP package"},
		{"C:\\Users\\clerk\\data.XLS", "name\tage\n", "the old .xls format is not supported"},
		{"a.csv", "\xFF\xFEn\x00a\x00", "UTF-16"},
		{"a.csv", "name\x00age\n", "binary data"},
	} {
		fe := openErr(t, []byte(tc.data), tc.name, Options{})
		if !strings.Contains(fe.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, fe, tc.want)
		}
	}

	// A ZIP that is not a workbook.
	var buf bytes.Buffer
	newZip(t, &buf, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
	fe := openErr(t, buf.Bytes(), "a.ods", Options{})
	if !strings.Contains(fe.Error(), "not an .xlsx workbook") {
		t.Errorf("ZIP without a workbook: error %q", fe)
	}

	// A workbook named .csv is read as a workbook.
	data := write(t, XLSX, [][]string{{"姓名"}, {"张三"}})
	r := open(t, data, "人员.csv", Options{})
	if rows := readAll(t, r); len(rows) != 1 || rows[0].Cells[0] != "张三" {
		t.Errorf("xlsx named .csv: rows %v", rows)
	}

	if _, err := Open(bytes.NewReader([]byte("a\n")), 2, "a.csv", Options{Encoding: "latin1"}); err == nil ||
		!strings.Contains(err.Error(), "unknown encoding") {
		t.Errorf("unknown encoding: error %v", err)
	}
}

func TestXLSXSheetsGapsAndDates(t *testing.T) {
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A hidden first sheet of allowed values, as templates have.
	must(f.SetSheetName("Sheet1", "选项"))
	must(f.SetCellValue("选项", "A1", "男"))
	people, err := f.NewSheet("人员")
	must(err)
	f.SetActiveSheet(people) // the selected sheet cannot be hidden
	must(f.SetSheetVisible("选项", false))
	if visible, _ := f.GetSheetVisible("选项"); visible {
		t.Fatal("the first sheet is still visible")
	}
	_, err = f.NewSheet("Other")
	must(err)
	must(f.SetCellValue("Other", "A1", "x"))

	must(f.SetSheetRow("人员", "A2", &[]any{" 姓名 ", "出生日期", nil, nil}))
	must(f.SetSheetRow("人员", "A3", &[]any{"张三", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC)}))
	must(f.SetSheetRow("人员", "A4", &[]any{"   "}))
	must(f.SetSheetRow("人员", "A7", &[]any{"李四", nil, "", nil}))
	must(f.SetCellValue("人员", "D8", 42))
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	must(err)
	must(f.SetCellStyle("人员", "B3", "B3", style))
	var buf bytes.Buffer
	must(f.Write(&buf))
	data := buf.Bytes()

	r := open(t, data, "a.xlsx", Options{})
	if diff := cmp.Diff([]string{"姓名", "出生日期"}, r.Header()); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	want := []Row{
		{Number: 3, Cells: []string{"张三", "1990-03-07"}},
		{Number: 7, Cells: []string{"李四"}},
		{Number: 8, Cells: []string{"", "", "", "42"}},
	}
	if diff := cmp.Diff(want, readAll(t, r)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	r = open(t, data, "a.xlsx", Options{Sheet: " other "})
	if diff := cmp.Diff([]string{"x"}, r.Header()); diff != "" {
		t.Errorf("sheet Other header (-want +got):\n%s", diff)
	}
	fe := openErr(t, data, "a.xlsx", Options{Sheet: "Sheet9"})
	if want := `the workbook has no sheet named "Sheet9"; its sheets are "选项", "人员", "Other"`; fe.Reason != want {
		t.Errorf("missing sheet: %q, want %q", fe.Reason, want)
	}
}

// newZip writes a ZIP archive of the given files to w.
func newZip(t *testing.T, w io.Writer, files map[string]string) {
	t.Helper()
	zw := zip.NewWriter(w)
	for name, content := range files {
		fw, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(fw, content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestClosedReader(t *testing.T) {
	for _, format := range []Format{CSV, XLSX} {
		data := write(t, format, [][]string{{"a"}, {"b"}})
		r, err := Open(bytes.NewReader(data), int64(len(data)), "x."+string(format), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: Close: %v", format, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: second Close: %v", format, err)
		}
		if _, err := r.Next(); !errors.Is(err, errReaderClosed) {
			t.Errorf("%s: Next after Close = %v, want errReaderClosed", format, err)
		}
	}
}

func TestXLSXLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	rows := [][]string{{"姓名", "备注"}}
	// Enough rows that the sheet is unpacked to a temporary file.
	for i := range 40000 {
		rows = append(rows, []string{fmt.Sprintf("张%d", i), "一些备注文字"})
	}
	data := write(t, XLSX, rows)
	r, err := Open(bytes.NewReader(data), int64(len(data)), "a.xlsx", Options{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(readAll(t, r)); got != 40000 {
		t.Errorf("read %d rows, want 40000", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// And after a refused file too.
	_ = openErr(t, data, "a.xlsx", Options{TempDir: dir, Sheet: "nope"})
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left behind after an error: %v", left)
	}
}

// TestCSVStreamsWithFlatMemory reads a 200,000-row file of about 30 MB: if
// the reader held the file, or the rows, the heap would grow by more than
// the bound.
func TestCSVStreamsWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 30 MB file")
	}
	const rows = 200_000
	line := "张三丰,110101199003071234,北京市东城区景山街道某某社区某某胡同某某号院某某号楼某某单元某某室,13800000000,户籍人口,已核实\r\n"
	for _, enc := range []Encoding{UTF8, GBK} {
		t.Run(string(enc), func(t *testing.T) {
			body := strings.Repeat(line, rows)
			data := []byte("姓名,身份证号,住址,电话,类别,状态\r\n" + body)
			if enc == GBK {
				data = gbk(t, string(data))
			}
			path := filepath.Join(t.TempDir(), "big.csv")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			size := int64(len(data))
			if size < 20<<20 {
				t.Fatalf("test file is only %d bytes: it must exceed the bound", size)
			}
			data, body = nil, ""
			file, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()

			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapInuse, ms.HeapInuse

			r, err := Open(file, size, "big.csv", Options{Encoding: enc})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var kept []Row // a few rows, kept as an importer would keep a batch
			n := 0
			for {
				row, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if row.Number != n+1 || len(row.Cells) != 6 {
					t.Fatalf("row %d: %+v", n, row)
				}
				kept = append(kept, row)
				if len(kept) == 1000 {
					kept = kept[:0]
				}
				if n%20_000 == 0 {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			if n != rows {
				t.Errorf("read %d rows, want %d", n, rows)
			}
			grew := int64(peak) - int64(base)
			t.Logf("heap grew by %d KB while reading %d MB", grew>>10, size>>20)
			if grew > 20<<20 {
				t.Errorf("heap grew by %d MB while reading a %d MB file", grew>>20, size>>20)
			}
		})
	}
}

// TestXLSXStreamsWithFlatMemory reads a 100,000-row workbook written the
// way Excel writes one, with a shared-string table (of 200,000 strings)
// besides the sheet: held in memory, the two would take far more than the
// bound.
func TestXLSXStreamsWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-row workbook")
	}
	const rows = 100_000
	f := excelize.NewFile()
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		err := f.SetSheetRow("Sheet1", cell, &[]any{fmt.Sprintf("张三%d", i), fmt.Sprintf("1101011990%08d", i), "北京市东城区景山街道某某社区", i})
		if err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "big.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	f = nil
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		t.Fatal(err)
	}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	r, err := Open(file, info.Size(), "big.xlsx", Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if want := fmt.Sprintf("张三%d", n+1); row.Number != n+1 || row.Cells[0] != want || len(row.Cells) != 4 {
			t.Fatalf("row %d: %+v, want number %d starting with %s", n, row, n+1, want)
		}
		if n%10_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if n != rows-1 {
		t.Errorf("read %d rows, want %d", n, rows-1)
	}
	grew := int64(peak) - int64(base)
	t.Logf("heap grew by %d KB while reading a %d-row workbook", grew>>10, rows)
	if grew > 20<<20 {
		t.Errorf("heap grew by %d MB while reading a %d-row workbook", grew>>20, rows)
	}
}

// TestAutoSniffBoundary puts a UTF-8 character across the end of the
// sniffed 64 KiB: the cut character must not make Auto choose GBK.
func TestAutoSniffBoundary(t *testing.T) {
	for shift := 1; shift <= 3; shift++ {
		head := "name,note\n"
		pad := strings.Repeat("x", sniffSize-len(head)-len(",")-shift)
		data := []byte(head + "zhang," + pad[len("zhang"):] + "张三丰\n李四,1\n")
		r := open(t, data, "a.csv", Options{})
		rows := readAll(t, r)
		if len(rows) != 2 || !strings.HasSuffix(rows[0].Cells[1], "张三丰") || rows[1].Cells[0] != "李四" {
			t.Errorf("shift %d: rows %v", shift, rows)
		}
	}
}
