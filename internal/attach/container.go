package attach

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
	errPNG       = errors.New("PNG structure is damaged")
	errWebP      = errors.New("WebP structure is damaged")
)

// keepPNGChunk is the allow-list of PNG chunks kept in public variants:
// the critical ones, those that change how pixels look, and APNG's. eXIf,
// the text chunks (tEXt, zTXt, iTXt: XMP with GPS lives there), tIME and
// private chunks go.
func keepPNGChunk(typ string) bool {
	switch typ {
	case "IHDR", "PLTE", "IDAT", "IEND",
		"tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "pHYs", "bKGD", "cICP", "mDCv", "cLLi",
		"acTL", "fcTL", "fdAT":
		return true
	}
	return false
}

// walkPNG calls fn with each chunk's type, data and raw bytes (length,
// type, data, CRC) up to IEND and returns the length of the PNG proper.
func walkPNG(b []byte, fn func(typ string, data, raw []byte)) (int, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return 0, errPNG
	}
	i := len(pngSignature)
	for {
		if len(b)-i < 12 {
			return 0, errPNG
		}
		n := binary.BigEndian.Uint32(b[i:])
		if uint64(n) > uint64(len(b)-i-12) {
			return 0, errPNG
		}
		end := i + 12 + int(n)
		typ := string(b[i+4 : i+8])
		fn(typ, b[i+8:i+8+int(n)], b[i:end])
		i = end
		if typ == "IEND" {
			return i, nil
		}
	}
}

// stripPNG removes metadata chunks and anything after IEND.
func stripPNG(b []byte) (out []byte, changed bool, err error) {
	out = make([]byte, 0, len(b))
	out = append(out, pngSignature...)
	n, err := walkPNG(b, func(typ string, _, raw []byte) {
		if keepPNGChunk(typ) {
			out = append(out, raw...)
		} else {
			changed = true
		}
	})
	if err != nil {
		return nil, false, err
	}
	if !changed && n == len(b) {
		return b, false, nil
	}
	return out, true, nil
}

// pngEXIF returns the TIFF structure in the PNG's eXIf chunk, or nil.
func pngEXIF(b []byte) []byte {
	var tiff []byte
	_, _ = walkPNG(b, func(typ string, data, _ []byte) {
		if typ == "eXIf" && tiff == nil {
			tiff = bytes.TrimPrefix(data, exifHeader)
		}
	})
	return tiff
}

// VP8X flags that announce metadata chunks.
const (
	vp8xXMP  = 0x04
	vp8xEXIF = 0x08
)

// walkWebP calls fn with each RIFF chunk of a WebP file and returns the
// length of the file proper (RIFF's own size plus its 8-byte header).
func walkWebP(b []byte, fn func(fourCC string, data, raw []byte)) (int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, errWebP
	}
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if size < 4 || size+8 > uint64(len(b)) {
		return 0, errWebP
	}
	end := int(size) + 8
	i := 12
	for i < end {
		if end-i < 8 {
			return 0, errWebP
		}
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		padded := n + n&1
		if n > uint64(end-i-8) {
			return 0, errWebP
		}
		next := i + 8 + int(n)
		if padded > n && next < end {
			next++
		}
		fn(string(b[i:i+4]), b[i+8:i+8+int(n)], b[i:next])
		i = next
	}
	return end, nil
}

// stripWebP removes the EXIF and XMP chunks, clears their flags in VP8X,
// fixes the RIFF size and drops anything after the RIFF chunk.
func stripWebP(b []byte) (out []byte, changed bool, err error) {
	out = make([]byte, 12, max(12, len(b)))
	copy(out, "RIFF\x00\x00\x00\x00WEBP")
	n, err := walkWebP(b, func(fourCC string, data, raw []byte) {
		switch fourCC {
		case "EXIF", "XMP ":
			changed = true
			return
		case "VP8X":
			if len(data) > 0 && data[0]&(vp8xEXIF|vp8xXMP) != 0 {
				start := len(out)
				out = append(out, raw...)
				out[start+8] &^= vp8xEXIF | vp8xXMP
				changed = true
				return
			}
		}
		out = append(out, raw...)
	})
	if err != nil {
		return nil, false, err
	}
	if !changed && n == len(b) {
		return b, false, nil
	}
	if uint64(len(out)-8) > 0xFFFFFFFF {
		return nil, false, fmt.Errorf("%w: too large", errWebP)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, true, nil
}

// webpEXIF returns the TIFF structure in the WebP's EXIF chunk, or nil.
func webpEXIF(b []byte) []byte {
	var tiff []byte
	_, _ = walkWebP(b, func(fourCC string, data, _ []byte) {
		if fourCC == "EXIF" && tiff == nil {
			tiff = bytes.TrimPrefix(data, exifHeader)
		}
	})
	return tiff
}
