package attach

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Format is one accepted kind of content.
type Format struct {
	// Name is what users call the format, for messages.
	Name string
	// ContentType is the canonical media type, the one stored and served.
	ContentType string
	// Ext is the canonical file name extension, with the dot.
	Ext string
	// Image is true for photos, which are decoded, get a thumbnail and a
	// public variant without location.
	Image bool
	// aliases are extensions that name this format too.
	aliases []string
}

// The allow-list. GIF, HEIC, video and office files are left out on
// purpose: reports need a photo or a scanned document, and every format
// accepted is one more decoder facing the internet.
var (
	formatJPEG = Format{Name: "JPEG", ContentType: "image/jpeg", Ext: ".jpg", Image: true, aliases: []string{".jpeg", ".jpe", ".jfif"}}
	formatPNG  = Format{Name: "PNG", ContentType: "image/png", Ext: ".png", Image: true}
	formatWebP = Format{Name: "WebP", ContentType: "image/webp", Ext: ".webp", Image: true}
	formatPDF  = Format{Name: "PDF", ContentType: "application/pdf", Ext: ".pdf"}
)

// Formats lists the accepted formats.
func Formats() []Format { return []Format{formatJPEG, formatPNG, formatWebP, formatPDF} }

func (f Format) hasExt(ext string) bool {
	if ext == f.Ext {
		return true
	}
	for _, a := range f.aliases {
		if ext == a {
			return true
		}
	}
	return false
}

const acceptedHint = "send a JPEG, PNG or WebP photo or a PDF document"

// sniffLen is how much of the start of a file sniff looks at.
const sniffLen = 1024

// sniff decides a file's format from its first bytes alone, whatever its
// name or declared type says. Programs, scripts and anything a browser
// could run (HTML, SVG) are refused with a reason that says so, because
// "a photo" that is really one of these is an attack, not a mistake.
func sniff(head []byte) (Format, error) {
	if len(head) == 0 {
		return Format{}, apperr.Field("file", "is empty")
	}
	if reason := dangerous(head); reason != "" {
		return Format{}, apperr.Field("file", reason+"; "+acceptedHint)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG, nil
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return formatWebP, nil
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return formatPDF, nil
	}
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch string(head[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "avif", "avis":
			return Format{}, apperr.Field("file", "is a HEIC/AVIF photo, which is not accepted; set the camera to \"Most Compatible\" (JPEG) or "+acceptedHint)
		}
		return Format{}, apperr.Field("file", "is a video or audio file, which is not accepted; "+acceptedHint)
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch ct {
	case "image/gif", "image/bmp", "image/x-icon":
		return Format{}, apperr.Field("file", fmt.Sprintf("is a %s image, which is not accepted; "+acceptedHint, strings.ToUpper(strings.TrimPrefix(ct, "image/"))))
	case "application/zip", "application/x-gzip", "application/x-rar-compressed", "application/vnd.ms-cab-compressed":
		return Format{}, apperr.Field("file", "is an archive (ZIP, RAR, Office file or app package), which is not accepted; "+acceptedHint)
	}
	if strings.HasPrefix(ct, "text/") {
		return Format{}, apperr.Field("file", "is a text file, which is not accepted; "+acceptedHint)
	}
	return Format{}, apperr.Field("file", fmt.Sprintf("is of an unknown or unaccepted type (%s); "+acceptedHint, ct))
}

// dangerous names what head is when it is a program, a script or a
// document a browser would run scripts in; it returns "" otherwise.
func dangerous(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "is a program (ELF executable), not a photo or document"
	case bytes.HasPrefix(head, []byte("MZ")):
		return "is a program (Windows executable), not a photo or document"
	case len(head) >= 4 && isMachO(head[:4]):
		return "is a program (Mach-O or Java class), not a photo or document"
	case bytes.HasPrefix(head, []byte("\x00asm")):
		return "is a program (WebAssembly), not a photo or document"
	case bytes.HasPrefix(head, []byte("#!")):
		return "is a script, not a photo or document"
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
	if len(text) == 0 || text[0] != '<' {
		return ""
	}
	lower := bytes.ToLower(text)
	if bytes.Contains(lower, []byte("<svg")) {
		return "is an SVG image, which can carry scripts, so it is not accepted"
	}
	ct := http.DetectContentType(head)
	if strings.HasPrefix(ct, "text/html") || bytes.Contains(lower, []byte("<script")) ||
		bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<body")) {
		return "is a web page (HTML), which can carry scripts, so it is not accepted"
	}
	if strings.HasPrefix(ct, "text/xml") {
		return "is an XML document, which is not accepted"
	}
	return ""
}

func isMachO(b []byte) bool {
	switch string(b) {
	case "\xFE\xED\xFA\xCE", "\xFE\xED\xFA\xCF", "\xCE\xFA\xED\xFE", "\xCF\xFA\xED\xFE", "\xCA\xFE\xBA\xBE":
		return true
	}
	return false
}

// canonicalType maps the names clients use for the accepted types to the
// canonical one, and the generic types that say nothing about the content
// (clients send them for any file they could not name) to "".
func canonicalType(mt string) string {
	switch mt {
	case "application/octet-stream", "binary/octet-stream", "application/unknown", "application/binary":
		return ""
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "image/x-png":
		return "image/png"
	case "application/x-pdf", "application/acrobat":
		return "application/pdf"
	}
	return mt
}

// checkDeclared refuses a declared media type that contradicts the
// content. An absent or generic declaration is no contradiction.
func checkDeclared(declared string, f Format) error {
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return apperr.Field("file", fmt.Sprintf("is declared with a malformed type %q", truncate(declared, 80)))
	}
	mt = canonicalType(mt)
	if mt == "" || mt == f.ContentType {
		return nil
	}
	return apperr.Field("file", fmt.Sprintf("is declared as %s but its content is %s", truncate(mt, 80), f.ContentType))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
