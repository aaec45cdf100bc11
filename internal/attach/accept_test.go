package attach

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
)

func TestAcceptSniffsContent(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, gradient(64, 48), 85)
	bigJPG := encodeJPEG(t, gradient(256, 192), 85)
	pngData := encodePNG(t, gradient(64, 48))
	webpLossless := readTestdata(t, "gopher-doc.8bpp.lossless.webp")
	webpLossy := readTestdata(t, "blue-purple-pink.lossy.webp")
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	var gif bytes.Buffer
	gif.WriteString("GIF89a\x01\x00\x01\x00\x00\x00\x00;")

	tests := []struct {
		name, file, declared string
		data                 []byte
		wantType             string // when accepted
		wantReason           string // when refused
	}{
		{name: "jpeg", file: "photo.jpg", declared: "image/jpeg", data: jpg, wantType: "image/jpeg"},
		{name: "jpeg declared image/jpg", file: "photo.jpg", declared: "image/jpg", data: jpg, wantType: "image/jpeg"},
		{name: "jpeg declared octet-stream", file: "photo", declared: "application/octet-stream", data: jpg, wantType: "image/jpeg"},
		{name: "png", file: "map.png", declared: "image/png", data: pngData, wantType: "image/png"},
		{name: "webp lossless", file: "a.webp", declared: "image/webp", data: webpLossless, wantType: "image/webp"},
		{name: "webp lossy", file: "b.webp", data: webpLossy, wantType: "image/webp"},
		{name: "pdf", file: "notice.pdf", declared: "application/pdf", data: []byte(tinyPDF), wantType: "application/pdf"},

		{name: "empty", file: "photo.jpg", data: nil, wantReason: "is empty"},
		{name: "ELF named photo.jpg", file: "photo.jpg", declared: "image/jpeg", data: elf, wantReason: "is a program (ELF"},
		{name: "Windows executable", file: "photo.jpg", declared: "image/jpeg", data: pe, wantReason: "is a program (Windows"},
		{name: "Mach-O", file: "photo.jpg", data: []byte("\xCF\xFA\xED\xFE\x07\x00\x00\x01"), wantReason: "is a program (Mach-O"},
		{name: "shell script", file: "photo.jpg", data: []byte("#!/bin/sh\nrm -rf /\n"), wantReason: "is a script"},
		{name: "HTML", file: "photo.jpg", data: []byte("<!DOCTYPE html><html><body><script>alert(1)</script>"), wantReason: "web page (HTML)"},
		{name: "HTML fragment", file: "photo.jpg", data: []byte("  <img src=x onerror=alert(1)><script>alert(1)</script>"), wantReason: "web page (HTML)"},
		{name: "SVG with script", file: "logo.svg", declared: "image/svg+xml",
			data:       []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			wantReason: "SVG image, which can carry scripts"},
		{name: "bare SVG with BOM", file: "logo.jpg", data: []byte("\xEF\xBB\xBF\n<svg onload=\"alert(1)\"/>"), wantReason: "SVG image"},
		{name: "text", file: "photo.jpg", data: []byte("just some words"), wantReason: "is a text file"},
		{name: "zip", file: "photo.jpg", data: []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), wantReason: "is an archive"},
		{name: "gif", file: "a.gif", data: gif.Bytes(), wantReason: "GIF image, which is not accepted"},
		{name: "heic", file: "IMG_0001.HEIC", data: []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), wantReason: "HEIC/AVIF"},
		{name: "mp4", file: "clip.mp4", data: []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), wantReason: "video or audio"},
		{name: "random bytes", file: "photo.jpg", data: []byte{0x01, 0x02, 0x03, 0xFE, 0x00}, wantReason: "unknown or unaccepted type"},

		{name: "truncated jpeg", file: "photo.jpg", data: bigJPG[:len(bigJPG)*3/4], wantReason: "damaged or truncated JPEG"},
		{name: "jpeg without EOI", file: "photo.jpg", data: bigJPG[:len(bigJPG)-2], wantReason: "damaged or truncated JPEG"},
		{name: "jpeg header only", file: "photo.jpg", data: jpg[:4], wantReason: "not a readable JPEG"},
		{name: "truncated png", file: "map.png", data: pngData[:len(pngData)-20], wantReason: "damaged or truncated PNG"},
		{name: "truncated webp", file: "a.webp", data: webpLossless[:len(webpLossless)/2], wantReason: "WebP"},
		{name: "truncated pdf", file: "notice.pdf", data: []byte(tinyPDF[:40]), wantReason: "truncated or damaged PDF"},

		{name: "png declared as jpeg", file: "photo.jpg", declared: "image/jpeg", data: pngData, wantReason: "is declared as image/jpeg but its content is image/png"},
		{name: "pdf declared as jpeg", file: "photo.jpg", declared: "image/jpeg", data: []byte(tinyPDF), wantReason: "declared as image/jpeg"},
		{name: "malformed declared type", file: "photo.jpg", declared: "image/", data: jpg, wantReason: "malformed type"},
	}
	svc, store := newTestService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := svc.Accept(context.Background(), tt.file, tt.declared, bytes.NewReader(tt.data), Limits{})
			if tt.wantReason != "" {
				wantInvalid(t, err, tt.wantReason)
				return
			}
			if err != nil {
				t.Fatalf("Accept: %v", err)
			}
			if a.ContentType != tt.wantType || a.Key != sha(tt.data) || a.SHA256 != a.Key || a.Size != int64(len(tt.data)) {
				t.Fatalf("Accept = %+v", a)
			}
			if got := readBlob(t, store, a.Key); !bytes.Equal(got, tt.data) {
				t.Fatal("the stored original differs from the upload")
			}
			isImage := strings.HasPrefix(tt.wantType, "image/")
			if isImage != (a.ThumbKey != "") || isImage != (a.Width > 0 && a.Height > 0) {
				t.Fatalf("image %v but thumb %q, size %d×%d", isImage, a.ThumbKey, a.Width, a.Height)
			}
		})
	}
}

// patternReader yields prefix and then filler bytes up to size bytes in
// all, counting what was read, without ever holding more than one buffer.
type patternReader struct {
	prefix []byte
	size   int64
	read   int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.read >= p.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.size-p.read))
	for i := range n {
		if at := p.read + int64(i); at < int64(len(p.prefix)) {
			b[i] = p.prefix[at]
		} else {
			b[i] = 'x'
		}
	}
	p.read += int64(n)
	return n, nil
}

func TestAcceptSizeLimits(t *testing.T) {
	t.Parallel()
	jpgHead := encodeJPEG(t, gradient(16, 16), 80)[:64]
	tests := []struct {
		name   string
		prefix []byte
		size   int64
		lim    Limits
		want   string
	}{
		{name: "20 MB image", prefix: jpgHead, size: 20<<20 + 1, want: "is larger than 10 MiB"},
		{name: "image one byte over", prefix: jpgHead, size: 10<<20 + 1, want: "is larger than 10 MiB"},
		{name: "document over 20 MiB", prefix: []byte("%PDF-1.7\n"), size: 20<<20 + 1, want: "is larger than 20 MiB"},
		{name: "endless document", prefix: []byte("%PDF-1.7\n"), size: 1 << 40, want: "is larger than 20 MiB"},
		{name: "own image limit", prefix: jpgHead, size: 300 << 10, lim: Limits{MaxImageBytes: 256 << 10}, want: "is larger than 256 KiB"},
		{name: "limit below the sniffed head", prefix: []byte("%PDF-1.7\n"), size: 5000, lim: Limits{MaxDocumentBytes: 100}, want: "is larger than 100 bytes"},
	}
	svc, _ := newTestService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &patternReader{prefix: tt.prefix, size: tt.size}
			_, err := svc.Accept(context.Background(), "f", "", r, tt.lim)
			wantInvalid(t, err, tt.want)
			lim := tt.lim.withDefaults()
			limit := lim.MaxDocumentBytes
			if bytes.HasPrefix(tt.prefix, []byte{0xFF, 0xD8}) {
				limit = lim.MaxImageBytes
			}
			if r.read > max(limit+1, sniffLen) {
				t.Fatalf("read %d bytes, limit %d", r.read, limit)
			}
		})
	}
}

func TestAcceptDocumentAtLimit(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t)
	body := []byte(tinyPDF)
	pad := bytes.Repeat([]byte("%"), 4096-len(body))
	data := append(append([]byte(tinyPDF[:9]), pad...), body[9:]...)
	a, err := svc.Accept(context.Background(), "notice.pdf", "application/pdf", bytes.NewReader(data), Limits{MaxDocumentBytes: 4096})
	if err != nil {
		t.Fatalf("a PDF of exactly the limit: %v", err)
	}
	if a.PublicKey != a.Key || a.ThumbKey != "" || a.Name != "notice.pdf" || a.Size != 4096 {
		t.Fatalf("Accept = %+v", a)
	}
}

// pngHeader is a PNG that stops after an IHDR claiming w×h pixels.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB
	chunk := binary.BigEndian.AppendUint32(nil, 13)
	chunk = append(chunk, "IHDR"...)
	chunk = append(chunk, ihdr...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	return append(append([]byte{}, pngSignature...), chunk...)
}

// jpegClaiming is a JPEG whose frame header claims w×h pixels.
func jpegClaiming(t *testing.T, w, h int) []byte {
	jpg := encodeJPEG(t, gradient(8, 8), 80)
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	out := append([]byte{}, jpg...)
	out[i+5], out[i+6] = byte(h>>8), byte(h)
	out[i+7], out[i+8] = byte(w>>8), byte(w)
	return out
}

func TestAcceptDecompressionBombs(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t)
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want string
	}{
		{name: "png claiming 100000×100000", data: pngHeader(100000, 100000), want: "is 100000×100000 pixels; at most 50 million pixels"},
		{name: "png claiming 2^31 wide", data: pngHeader(1<<31-1, 1), want: "is 2147483647×1 pixels"},
		{name: "png with no pixels", data: pngHeader(0, 10), want: "PNG"},
		{name: "jpeg claiming 65000×65000", data: jpegClaiming(t, 65000, 65000), want: "is 65000×65000 pixels"},
		{name: "real png over an own limit", data: encodePNG(t, gradient(200, 100)), lim: Limits{MaxPixels: 10_000}, want: "is 200×100 pixels; at most 10000 pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := svc.Accept(context.Background(), "x.png", "", bytes.NewReader(tt.data), tt.lim)
			wantInvalid(t, err, tt.want)
		})
	}
}

func TestAcceptSameContentStoredOnce(t *testing.T) {
	t.Parallel()
	svc, store := newTestService(t)
	jpg := encodeJPEG(t, gradient(400, 300), 85)
	a1, err := svc.Accept(context.Background(), "a.jpg", "", bytes.NewReader(jpg), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := svc.Accept(context.Background(), "b.jpg", "", bytes.NewReader(jpg), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a1.Key != a2.Key || a1.ThumbKey != a2.ThumbKey || a1.PublicKey != a2.PublicKey {
		t.Fatalf("same content, different keys: %+v %+v", a1, a2)
	}
	// A clean JPEG needs no public variant: original and thumbnail only.
	if a1.PublicKey != a1.Key {
		t.Fatalf("clean JPEG got a separate public variant")
	}
	if files := blobFiles(t, store); len(files) != 2 {
		t.Fatalf("files = %v, want the original and the thumbnail", files)
	}
}

func TestAcceptCancelled(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := svc.Accept(ctx, "a.jpg", "", bytes.NewReader(encodeJPEG(t, gradient(8, 8), 80)), Limits{})
	if err == nil || apperr.Is(err, apperr.Invalid) {
		t.Fatalf("Accept with a cancelled context: %v", err)
	}
}

func TestSanitizeName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("很长的名字", 20) + ".jpg"
	tests := []struct {
		in   string
		f    Format
		want string
	}{
		{"photo.jpg", formatJPEG, "photo.jpg"},
		{"Photo.JPEG", formatJPEG, "Photo.jpeg"},
		{"../../etc/passwd", formatPDF, "passwd.pdf"},
		{`C:\Users\张三\Desktop\井盖.jpg`, formatJPEG, "井盖.jpg"},
		{"photo.png", formatJPEG, "photo.jpg"},
		{"invoice.pdf.exe", formatPDF, "invoice.pdf.exe.pdf"},
		{"scan.2024.01", formatPDF, "scan.2024.01.pdf"},
		{"report\u202Egpj.exe", formatPDF, "reportgpj.exe.pdf"},
		{"a\x00b\nc.jpg", formatJPEG, "abc.jpg"},
		{".htaccess", formatPDF, "htaccess.pdf"},
		{"...", formatJPEG, "attachment.jpg"},
		{"", formatPNG, "attachment.png"},
		{`what?"<x>|y:z.pdf`, formatPDF, "what___x__y_z.pdf"},
		{"cafe\u0301.jpg", formatJPEG, "caf\u00e9.jpg"},
		{"bad\xffutf8.jpg", formatJPEG, "badutf8.jpg"},
		{long, formatJPEG, strings.Repeat("很长的名字", 7) + "很长的.jpg"},
	}
	for _, tt := range tests {
		if got := SanitizeName(tt.in, tt.f); got != tt.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{10 << 20: "10 MiB", 15 << 19: "7.5 MiB", 256 << 10: "256 KiB", 1000: "1000 bytes"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
