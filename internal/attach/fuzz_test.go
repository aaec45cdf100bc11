package attach

import (
	"bytes"
	"encoding/binary"
	"math"
	"path"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func jpegSeeds(f *testing.F) {
	plain := encodeJPEG(f, gradient(16, 16), 80)
	f.Add(plain)
	f.Add(withMetadata(plain, beijingTIFF(binary.BigEndian)))
	f.Add(withMetadata(plain, beijingTIFF(binary.LittleEndian)))
	f.Add(plain[:len(plain)/2])
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xD9})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0x00, 0xFF, 0xD0, 0xFF})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01})
}

// FuzzStripJPEG checks that the segment walker and the strip never panic,
// and that whatever the strip returns is a well-formed JPEG structure
// holding only allowed segments, which stripping again leaves as it is.
func FuzzStripJPEG(f *testing.F) {
	jpegSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if tiff := jpegEXIF(data); tiff != nil {
			checkMeta(t, parseEXIF(tiff, time.UTC))
		}
		for _, orientation := range []int{0, 6} {
			out, changed, err := stripJPEG(data, orientation)
			if err != nil {
				continue
			}
			if !changed && !bytes.Equal(out, data) {
				t.Fatal("unchanged but different")
			}
			n, err := walkJPEG(out, func(s jpegSegment) error {
				if !keepJPEGSegment(s) && !bytes.Equal(s.raw, orientationSegment(orientation)) {
					t.Fatalf("segment %#02x survived the strip", s.marker)
				}
				return nil
			})
			if err != nil || n != len(out) {
				t.Fatalf("the stripped JPEG does not walk: %d of %d bytes, %v", n, len(out), err)
			}
			again, _, err := stripJPEG(out, orientation)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("stripping twice differs: %v", err)
			}
		}
	})
}

// FuzzParseEXIF feeds arbitrary TIFF structures to the EXIF reader.
func FuzzParseEXIF(f *testing.F) {
	f.Add(beijingTIFF(binary.BigEndian))
	f.Add(beijingTIFF(binary.LittleEndian))
	f.Add(orientationSegment(8)[4+len(exifHeader):])
	f.Add([]byte("MM\x00\x2a\x00\x00\x00\x08\xff\xff"))
	f.Add([]byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, tiff []byte) {
		checkMeta(t, parseEXIF(tiff, time.UTC))
	})
}

func checkMeta(t *testing.T, m photoMeta) {
	t.Helper()
	if m.Orientation < 0 || m.Orientation > 8 {
		t.Fatalf("orientation %d", m.Orientation)
	}
	if g := m.GPS; g != nil && (math.IsNaN(g.Lat) || math.IsNaN(g.Lng) || math.Abs(g.Lat) > 90 || math.Abs(g.Lng) > 180) {
		t.Fatalf("GPS %v", *g)
	}
}

// FuzzStripContainers does the same for PNG chunks and WebP RIFF chunks.
func FuzzStripContainers(f *testing.F) {
	tiff := beijingTIFF(binary.BigEndian)
	f.Add(pngWithMetadata(encodePNG(f, gradient(8, 8)), tiff))
	f.Add(webpExtended(f, readTestdata(f, "gopher-doc.8bpp.lossless.webp"), tiff))
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Add([]byte("RIFF\x0d\x00\x00\x00WEBPEXIF\x01\x00\x00\x00x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []struct {
			strip func([]byte) ([]byte, bool, error)
			exif  func([]byte) []byte
		}{{stripPNG, pngEXIF}, {stripWebP, webpEXIF}} {
			if tiff := c.exif(data); tiff != nil {
				checkMeta(t, parseEXIF(tiff, time.UTC))
			}
			out, changed, err := c.strip(data)
			if err != nil {
				continue
			}
			if !changed && !bytes.Equal(out, data) {
				t.Fatal("unchanged but different")
			}
			again, changed, err := c.strip(out)
			if err != nil || changed || !bytes.Equal(again, out) {
				t.Fatalf("stripping twice changed it: %v", err)
			}
			if c.exif(out) != nil {
				t.Fatal("EXIF survived the strip")
			}
		}
	})
}

// FuzzSanitizeName checks the promises SanitizeName makes.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"photo.jpg", `C:\a\b.png`, "../../x", "\u202Egpj.exe", "", "...", strings.Repeat("名", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, format := range Formats() {
			got := SanitizeName(name, format)
			if !utf8.ValidString(got) || len(got) > MaxNameLen || strings.ContainsAny(got, "/\\\x00\n\r\"") ||
				strings.HasPrefix(got, ".") || !format.hasExt(strings.ToLower(path.Ext(got))) {
				t.Fatalf("SanitizeName(%q) = %q", name, got)
			}
		}
	})
}

// FuzzSniff checks that sniffing any start of a file either accepts one of
// the formats or refuses on the "file" field.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("<svg"))
	f.Add([]byte("%PDF-1.4"))
	f.Fuzz(func(t *testing.T, head []byte) {
		format, err := sniff(head)
		if err != nil {
			wantInvalid(t, err, "")
			return
		}
		if format.ContentType == "" || dangerous(head) != "" {
			t.Fatalf("sniff(%q) = %+v", head, format)
		}
	})
}
