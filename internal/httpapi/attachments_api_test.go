package httpapi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// gpsTIFF is EXIF as a phone writes it, reduced to a camera name and a
// location: 46°30'N 124°54'E.
func gpsTIFF() []byte {
	be := binary.BigEndian
	b := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, value uint32) {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		b = be.AppendUint32(b, value)
	}
	const ascii, long, rational = 2, 4, 5
	// IFD0 at 8: Make (at 38) and the GPS IFD pointer (to 50).
	b = be.AppendUint16(b, 2)
	entry(0x010F, ascii, 12, 38)
	entry(0x8825, long, 1, 50)
	b = be.AppendUint32(b, 0)
	b = append(b, "GridTestCam\x00"...)
	// GPS IFD at 50: N, latitude (at 104), E, longitude (at 128).
	b = be.AppendUint16(b, 4)
	entry(1, ascii, 2, uint32('N')<<24)
	entry(2, rational, 3, 104)
	entry(3, ascii, 2, uint32('E')<<24)
	entry(4, rational, 3, 128)
	b = be.AppendUint32(b, 0)
	for _, v := range []uint32{46, 1, 30, 1, 0, 1, 124, 1, 54, 1, 0, 1} {
		b = be.AppendUint32(b, v)
	}
	return b
}

// gpsJPEG is a photo with an EXIF APP1 segment right after SOI.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / 799), uint8(y * 255 / 599), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	payload := append([]byte("Exif\x00\x00"), gpsTIFF()...)
	seg := append([]byte{0xFF, 0xE1}, binary.BigEndian.AppendUint16(nil, uint16(len(payload)+2))...)
	out := append([]byte{}, plain[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, plain[2:]...)
}

// storedBlobs counts the files in the attachment store.
func (e *env) storedBlobs() int {
	e.t.Helper()
	n := 0
	err := filepath.WalkDir(e.files.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tmp" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Photos on an event through the API: the reporter uploads one with a
// location; staff see the original and where it was taken, the reporter
// only the public copy and the thumbnail; files from outside the scope are
// not found; programs and oversized photos are refused and store nothing.
func TestAttachmentsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("worker1", auth.RoleWorker, "230602001001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("resident1", auth.RoleResident, "")
		e.user("resident2", auth.RoleResident, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		center, worker, resident := e.loggedIn("center1"), e.loggedIn("worker1"), e.loggedIn("resident1")
		r := resident.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		id := int(r.json(t)["event"].(map[string]any)["id"].(float64))
		files := fmt.Sprintf("/api/v1/events/%d/attachments", id)

		photo := gpsJPEG(t)
		r = resident.uploadNamed(files, nil, "IMG_0001.jpg", string(photo))
		if r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		mine := r.json(t)
		if _, ok := mine["key"]; ok || mine["gps"] != nil || mine["original_url"] != nil || mine["content_type"] != "image/jpeg" || mine["name"] != "IMG_0001.jpg" {
			t.Fatalf("the reporter's view: %s", r.body)
		}
		reportAction := fmt.Sprint(resident.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)["history"].([]any)[0].(map[string]any)["id"])
		wantProblem(t, worker.uploadNamed(files, map[string]string{"action_id": reportAction}, "scan.pdf", "%PDF-1.4\n%%EOF\n"), 400, "invalid", "action_id")

		staff := center.do("GET", files, "").json(t)["items"].([]any)
		if len(staff) != 1 {
			t.Fatalf("staff list: %v", staff)
		}
		full := staff[0].(map[string]any)
		gps, _ := full["gps"].(map[string]any)
		if gps == nil || math.Abs(gps["lat"].(float64)-46.5) > 1e-9 || math.Abs(gps["lng"].(float64)-124.9) > 1e-9 {
			t.Fatalf("staff see no location: %v", full)
		}
		original, public, thumb := full["original_url"].(string), full["url"].(string), full["thumb_url"].(string)
		if full["key"] == full["public_key"] || !strings.Contains(original, full["key"].(string)) {
			t.Fatalf("keys: %v", full)
		}
		seen := resident.do("GET", files, "").json(t)["items"].([]any)
		if len(seen) != 1 || seen[0].(map[string]any)["gps"] != nil || seen[0].(map[string]any)["key"] != nil {
			t.Fatalf("the reporter's list: %v", seen)
		}

		// The public copy: the photo without its metadata, shown inline.
		p := resident.do("GET", public, "")
		if p.status != 200 || p.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(p.header.Get("Content-Disposition"), "inline") {
			t.Fatalf("public: %d %v", p.status, p.header)
		}
		for _, leak := range []string{"Exif\x00\x00", "GridTestCam"} {
			if bytes.Contains(p.body, []byte(leak)) {
				t.Fatalf("the public copy holds %q", leak)
			}
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
			"ETag": `"` + full["public_key"].(string) + `"`} {
			if got := p.header.Get(h); got != want {
				t.Fatalf("%s = %q, want %q", h, got, want)
			}
		}
		if !strings.HasPrefix(p.header.Get("Cache-Control"), "private") {
			t.Fatalf("Cache-Control = %q", p.header.Get("Cache-Control"))
		}
		if r := resident.do("GET", public, "", "If-None-Match", p.header.Get("ETag")); r.status != 304 {
			t.Fatalf("revalidation: %d", r.status)
		}
		th := resident.do("GET", thumb, "")
		if th.status != 200 || th.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(th.header.Get("Content-Disposition"), "inline") {
			t.Fatalf("thumbnail: %d %v", th.status, th.header)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(th.body)); err != nil || max(cfg.Width, cfg.Height) > 320 || bytes.Contains(th.body, []byte("GridTestCam")) {
			t.Fatalf("thumbnail: %v %+v", err, cfg)
		}

		// The original is for staff, as a download.
		if r := resident.do("GET", original, ""); r.status != 403 && r.status != 404 {
			t.Fatalf("the reporter fetched the original: %d", r.status)
		}
		for _, c := range []*client{center, worker} {
			o := c.do("GET", original, "")
			if o.status != 200 || !bytes.Equal(o.body, photo) || !strings.HasPrefix(o.header.Get("Content-Disposition"), "attachment") ||
				o.header.Get("Content-Security-Policy") != "sandbox" {
				t.Fatalf("staff original: %d %v", o.status, o.header)
			}
		}

		// Outside the scope nothing is found.
		for _, name := range []string{"tieren", "resident2"} {
			c := e.loggedIn(name)
			wantProblem(t, c.do("GET", files, ""), 404, "not_found", "")
			wantProblem(t, c.do("GET", public, ""), 404, "not_found", "")
			wantProblem(t, c.do("GET", thumb, ""), 404, "not_found", "")
			wantProblem(t, c.do("GET", original, ""), 404, "not_found", "")
			wantProblem(t, c.uploadNamed(files, nil, "x.jpg", string(photo)), 404, "not_found", "")
		}

		// Refusals name the field and store nothing.
		before := e.storedBlobs()
		elf := "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 4096)
		big := "\xFF\xD8\xFF\xE0" + strings.Repeat("\x00", 20_000_000)
		for _, tc := range []struct {
			name, file, content, want string
			fields                    map[string]string
			field                     string
		}{
			{"a program named photo.jpg", "photo.jpg", elf, "program", nil, "file"},
			{"a 20 MB photo", "big.jpg", big, "10 MiB", nil, "file"},
			{"HTML", "page.jpg", "<html><script>alert(1)</script></html>", "HTML", nil, "file"},
			{"no file", "", "", "required", nil, "file"},
			{"bad action", "IMG_0001.jpg", string(photo), "", map[string]string{"action_id": "x"}, "action_id"},
			{"unknown field", "IMG_0001.jpg", string(photo), "", map[string]string{"colour": "red"}, "colour"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := resident.uploadNamed(files, tc.fields, tc.file, tc.content)
				wantProblem(t, r, 400, "invalid", tc.field)
				if !strings.Contains(string(r.body), tc.want) {
					t.Fatalf("reason lacks %q: %s", tc.want, r.body)
				}
			})
		}
		// A body that breaks off is the client's fault, not the server's.
		cut := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n" + string(photo[:5000])
		if r := resident.do("POST", files, cut, "Content-Type", "multipart/form-data; boundary=b"); r.status != 400 {
			t.Fatalf("a broken body: %d %s", r.status, r.body)
		}
		if n := e.storedBlobs(); n != before {
			t.Fatalf("refused uploads stored %d blobs", n-before)
		}
		if items := center.do("GET", files, "").json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("refused uploads added attachments: %v", items)
		}
		wantProblem(t, center.do("GET", public+"x", ""), 400, "invalid", "variant")
		wantProblem(t, center.do("GET", "/api/v1/files/abc", ""), 400, "invalid", "key")
	})
}
