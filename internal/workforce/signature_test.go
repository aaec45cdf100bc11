package workforce_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/workforce"
)

func TestParseSignature(t *testing.T) {
	sig := base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	std := base64.StdEncoding.EncodeToString(make([]byte, 64))
	cases := []struct {
		name, header, field string
	}{
		{"ok", "device=android-5f3a9c01, ts=1780272000, sig=" + sig, ""},
		{"any order, no spaces", "sig=" + sig + ",ts=1780272000,device=android-5f3a9c01", ""},
		{"standard base64 with padding", "device=android-5f3a9c01, ts=1780272000, sig=" + std, ""},
		{"empty", "", "Gridgov-Signature"},
		{"no pairs", "hello", "Gridgov-Signature"},
		{"missing sig", "device=android-5f3a9c01, ts=1780272000", "Gridgov-Signature.sig"},
		{"missing device", "ts=1780272000, sig=" + sig, "Gridgov-Signature.device"},
		{"twice", "device=android-5f3a9c01, device=android-5f3a9c01, ts=1, sig=" + sig, "Gridgov-Signature.device"},
		{"unknown part", "device=android-5f3a9c01, ts=1780272000, sig=" + sig + ", alg=rsa", "Gridgov-Signature"},
		{"short device", "device=abc, ts=1780272000, sig=" + sig, "Gridgov-Signature.device"},
		{"device with a space", "device=my phone 01, ts=1780272000, sig=" + sig, "Gridgov-Signature.device"},
		{"ts not a number", "device=android-5f3a9c01, ts=yesterday, sig=" + sig, "Gridgov-Signature.ts"},
		{"negative ts", "device=android-5f3a9c01, ts=-5, sig=" + sig, "Gridgov-Signature.ts"},
		{"signed ts", "device=android-5f3a9c01, ts=+1780272000, sig=" + sig, "Gridgov-Signature.ts"},
		{"short sig", "device=android-5f3a9c01, ts=1780272000, sig=AAAA", "Gridgov-Signature.sig"},
		{"sig not base64", "device=android-5f3a9c01, ts=1780272000, sig=!!!!", "Gridgov-Signature.sig"},
		{"too long", "device=" + strings.Repeat("a", 500), "Gridgov-Signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sg, err := workforce.ParseSignature(tc.header)
			if tc.field == "" {
				if err != nil || sg.Device != "android-5f3a9c01" || sg.TS != 1780272000 || len(sg.Sig) != 64 {
					t.Fatalf("parse = %+v, %v", sg, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[0].Field != tc.field {
				t.Fatalf("parse %q = %v, want invalid %s", tc.header, err, tc.field)
			}
		})
	}
}

func TestSignAndStringToSign(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	at := time.Unix(1780272000, 0)
	body := []byte(`{"lng":125.05,"lat":46.1}`)
	h := workforce.Sign(key, "android-5f3a9c01", at, "post", "/api/v1/workforce/attendance/check-in", "k1", body)
	sg, err := workforce.ParseSignature(h)
	if err != nil {
		t.Fatal(err)
	}
	msg := workforce.StringToSign("POST", "/api/v1/workforce/attendance/check-in", sg.TS, sg.Device, "k1", body)
	want := "gridgov-device-v1\nPOST\n/api/v1/workforce/attendance/check-in\n1780272000\nandroid-5f3a9c01\nk1\n" +
		"8953c258458c96d05a6d260a7c2b03e4619a5f22a990bce86fde0d4425e2a55d"
	if msg != want {
		t.Fatalf("string to sign = %q", msg)
	}
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), []byte(msg), sg.Sig) {
		t.Fatal("the signature does not verify")
	}
	if sg.String() != h {
		t.Fatalf("String() = %q, want %q", sg.String(), h)
	}
}

// FuzzParseSignature checks that the parser never panics, refuses with a
// field named after the header, and that whatever it accepts formats back
// to a header it reads the same way.
func FuzzParseSignature(f *testing.F) {
	sig := base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	for _, s := range []string{
		"device=android-5f3a9c01, ts=1780272000, sig=" + sig,
		"sig=" + sig + ",ts=1,device=abcdefgh",
		"device=,ts=,sig=",
		"=,=,=",
		"device=android-5f3a9c01, ts=99999999999999999999, sig=" + sig,
		"device=\x00\xff, ts=1, sig=" + sig + "==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		sg, err := workforce.ParseSignature(h)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || !strings.HasPrefix(e.Fields[0].Field, workforce.SignatureHeader) {
				t.Fatalf("refusal of %q = %v", h, err)
			}
			return
		}
		if sg.TS <= 0 || len(sg.Sig) != ed25519.SignatureSize || len(sg.Device) < 8 {
			t.Fatalf("accepted %q as %+v", h, sg)
		}
		again, err := workforce.ParseSignature(sg.String())
		if err != nil || again.Device != sg.Device || again.TS != sg.TS || string(again.Sig) != string(sg.Sig) {
			t.Fatalf("round trip of %q: %+v, %v", h, again, err)
		}
	})
}
