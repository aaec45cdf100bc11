package workforce

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Requests from a worker's device are signed with the Ed25519 key bound to
// it at enrolment, so that a check-in proves which phone it came from (人机
// 格绑定) without a session. A signed request carries two headers:
//
//	Gridgov-Signature: device=<device id>, ts=<unix seconds>, sig=<signature>
//	Idempotency-Key: <key>
//
// The device id is 8–128 characters of A–Z a–z 0–9 . _ : - and the
// Idempotency-Key 1–100 of the same; writes (check-in, check-out) must carry
// a key, fresh for every new request and the same when a request is
// retried. sig is the Ed25519 signature, in base64url (padding and the
// standard alphabet are accepted too), of the string to sign: these seven
// lines joined by "\n", with no newline at the end,
//
//	gridgov-device-v1
//	<method, upper case>
//	<request target: the path and query exactly as sent>
//	<ts, as in the header>
//	<device id>
//	<Idempotency-Key, or empty>
//	<lowercase hex SHA-256 of the body; of the empty string when there is none>
//
// A request is refused when ts is more than ClockSkew (5 minutes) from the
// server's clock, when the device is not bound to an active worker, when
// the signature does not verify with the bound key, and when its
// Idempotency-Key was already used by the device: a replay within the
// window is caught by the key, and one outside it by the time.

// SignatureHeader is the name of the header carrying the device signature.
const SignatureHeader = "Gridgov-Signature"

// signatureVersion opens the string to sign, so a signature made for one
// purpose cannot be taken for another.
const signatureVersion = "gridgov-device-v1"

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Signature is a parsed Gridgov-Signature header.
type Signature struct {
	Device string
	TS     int64
	Sig    []byte
}

// maxSignatureHeader bounds the header: a device id, ten digits and 86
// characters of signature, with room for spaces.
const maxSignatureHeader = 400

// ParseSignature reads a Gridgov-Signature header. Every refusal is an
// Invalid error naming the header or its part, e.g. "Gridgov-Signature.ts".
func ParseSignature(h string) (Signature, error) {
	var out Signature
	if strings.TrimSpace(h) == "" {
		return out, apperr.Field(SignatureHeader, "is required: sign the request with the device key")
	}
	if len(h) > maxSignatureHeader {
		return out, apperr.Field(SignatureHeader, fmt.Sprintf("is longer than %d bytes", maxSignatureHeader))
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" {
			return out, apperr.Field(SignatureHeader, "must be device=…, ts=…, sig=… separated by commas")
		}
		field := SignatureHeader + "." + k
		if seen[k] {
			return out, apperr.Field(field, "is given twice")
		}
		seen[k] = true
		switch k {
		case "device":
			if err := checkToken(v, 8, 128); err != nil {
				return out, apperr.Field(field, err.Error())
			}
			out.Device = v
		case "ts":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 || len(v) > 12 || v[0] == '+' {
				return out, apperr.Field(field, "must be the time of signing in Unix seconds")
			}
			out.TS = n
		case "sig":
			sig, err := decodeBase64(v)
			if err != nil || len(sig) != ed25519.SignatureSize {
				return out, apperr.Field(field, "must be a base64url Ed25519 signature (64 bytes)")
			}
			out.Sig = sig
		default:
			return out, apperr.Field(SignatureHeader, fmt.Sprintf("has an unknown part %q; want device, ts and sig", clip(k, 20)))
		}
	}
	for _, k := range []string{"device", "ts", "sig"} {
		if !seen[k] {
			return out, apperr.Field(SignatureHeader+"."+k, "is missing")
		}
	}
	return out, nil
}

// String formats the header as ParseSignature reads it.
func (sg Signature) String() string {
	return "device=" + sg.Device + ", ts=" + strconv.FormatInt(sg.TS, 10) + ", sig=" + base64.RawURLEncoding.EncodeToString(sg.Sig)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func checkToken(v string, minLen, maxLen int) error {
	if len(v) < minLen || len(v) > maxLen || !tokenPattern.MatchString(v) {
		return fmt.Errorf("must be %d-%d characters of A-Z a-z 0-9 . _ : -", minLen, maxLen)
	}
	return nil
}

// decodeBase64 reads base64url or standard base64, padded or not.
func decodeBase64(v string) ([]byte, error) {
	v = strings.TrimRight(v, "=")
	v = strings.NewReplacer("+", "-", "/", "_").Replace(v)
	return base64.RawURLEncoding.DecodeString(v)
}

// StringToSign is the message a device signs for a request.
func StringToSign(method, target string, ts int64, device, idempotencyKey string, body []byte) string {
	sum := sha256.Sum256(body)
	return strings.Join([]string{signatureVersion, strings.ToUpper(method), target, strconv.FormatInt(ts, 10), device,
		idempotencyKey, hex.EncodeToString(sum[:])}, "\n")
}

// Sign returns the Gridgov-Signature header value for a request, as a
// device computes it; the server uses it only in tests and tools.
func Sign(key ed25519.PrivateKey, device string, at time.Time, method, target, idempotencyKey string, body []byte) string {
	ts := at.Unix()
	sig := ed25519.Sign(key, []byte(StringToSign(method, target, ts, device, idempotencyKey, body)))
	return Signature{Device: device, TS: ts, Sig: sig}.String()
}

// SignedRequest is what the HTTP layer hands over for verification.
type SignedRequest struct {
	// Header is the Gridgov-Signature header.
	Header string
	Method string
	// Target is the path and query as the client sent them.
	Target         string
	IdempotencyKey string
	Body           []byte
}

// DeviceCaller is a device whose signature verified, and its worker.
type DeviceCaller struct {
	deviceRow      int64
	boundAt        time.Time
	DeviceID       string
	WorkerID       int64
	UserID         int64
	IdempotencyKey string
}

// refusal is an Unauthorized error naming the part of the signature at fault.
func refusal(part, reason string) error {
	field := SignatureHeader
	if part != "" {
		field += "." + part
	}
	return &apperr.Error{Code: apperr.Unauthorized, Message: "the device signature was refused",
		Fields: []apperr.FieldError{{Field: field, Reason: reason}}}
}

// checkForm parses the header and checks the key's form and the time.
func (s *Service) checkForm(req SignedRequest) (Signature, error) {
	sg, err := ParseSignature(req.Header)
	if err != nil {
		return sg, err
	}
	if req.IdempotencyKey != "" {
		if err := checkToken(req.IdempotencyKey, 1, 100); err != nil {
			return sg, apperr.Field("Idempotency-Key", err.Error())
		}
	}
	return sg, s.checkTS(sg.TS)
}

// checkSig verifies the signature of a request with a device's key.
func checkSig(req SignedRequest, sg Signature, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, []byte(StringToSign(req.Method, req.Target, sg.TS, sg.Device, req.IdempotencyKey, req.Body)), sg.Sig) {
		return refusal("sig", fmt.Sprintf("does not verify with the key of device %s for %s %s", sg.Device, req.Method, req.Target))
	}
	return nil
}

func (s *Service) checkTS(ts int64) error {
	skew := time.Unix(ts, 0).Sub(s.now())
	limit := s.cfg.ClockSkew
	switch {
	case skew > limit:
		return refusal("ts", fmt.Sprintf("is %d s ahead of the server clock; at most %d s is allowed (set the phone's clock)", int(skew.Seconds()), int(limit.Seconds())))
	case -skew > limit:
		return refusal("ts", fmt.Sprintf("is %d s behind the server clock; at most %d s is allowed (a replayed or delayed request)", int(-skew.Seconds()), int(limit.Seconds())))
	}
	return nil
}

// Authenticate verifies a device-signed request: the header's form, its
// time, that the device is bound to an active worker, and the signature
// with the bound key. The Idempotency-Key travels inside the signature, so
// it cannot be changed to pass a replay off as a new request.
func (s *Service) Authenticate(ctx context.Context, req SignedRequest) (DeviceCaller, error) {
	sg, err := s.checkForm(req)
	if err != nil {
		return DeviceCaller{}, err
	}
	now := s.now()
	e, cached := s.devices.get(sg.Device, now)
	if !cached {
		var key []byte
		var userID sql.NullInt64
		err = s.db.Read().QueryRowContext(ctx, `SELECT d.id, d.worker_id, d.public_key, d.bound_at, w.active, w.user_id FROM worker_devices d
			JOIN workers w ON w.id = d.worker_id WHERE d.device_id = $1 AND d.status = 'active'`, sg.Device).Scan(&e.caller.deviceRow,
			&e.caller.WorkerID, &key, &e.caller.boundAt, &e.active, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return DeviceCaller{}, refusal("device", s.unboundReason(ctx, sg.Device))
		}
		if err != nil {
			return DeviceCaller{}, fmt.Errorf("device %s: %w", sg.Device, err)
		}
		e.key, e.caller.UserID, e.until = ed25519.PublicKey(key), userID.Int64, now.Add(deviceTTL)
		s.devices.put(sg.Device, e)
	}
	c := e.caller
	if err := checkSig(req, sg, e.key); err != nil {
		return DeviceCaller{}, err
	}
	if !e.active {
		return DeviceCaller{}, apperr.New(apperr.Forbidden, "the worker of device %s is no longer active", sg.Device)
	}
	c.DeviceID, c.IdempotencyKey = sg.Device, req.IdempotencyKey
	return c, nil
}

// unboundReason says why a device is not accepted: never bound, or unbound.
func (s *Service) unboundReason(ctx context.Context, device string) string {
	var at time.Time
	var why string
	err := s.db.Read().QueryRowContext(ctx, `SELECT revoked_at, revoked_reason FROM worker_devices WHERE device_id = $1 AND status = 'revoked'
		ORDER BY revoked_at DESC LIMIT 1`, device).Scan(&at, &why)
	if err == nil {
		return fmt.Sprintf("device %s was unbound on %s (%s); enrol it again with a code from your supervisor", device,
			at.In(s.location()).Format(time.DateOnly), why)
	}
	return fmt.Sprintf("device %s is not bound to any worker; enrol it with a code from your supervisor", device)
}
