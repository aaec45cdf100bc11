package resident

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
)

// SMSSender delivers a sign-in code to a phone. A real gateway (Aliyun,
// Tencent Cloud, a carrier's or the city's own SMS platform) implements it
// with its pre-approved "verification code" template, the code and the
// minutes it stays valid as the template's parameters, and is chosen in
// cmd/gridgov/serve.go by the --sms flag. Send must not log the phone in
// full; it runs after the code is stored, so an error means the resident
// asks again once the resend wait is over.
type SMSSender interface {
	SendCode(ctx context.Context, phone, code string, ttl time.Duration) error
}

// LogSender writes the code to the log instead of sending it: for
// development and tests on machines without an SMS gateway. Anyone who
// reads the log can sign in as anyone, so it must not be used in
// production. The phone is logged masked.
type LogSender struct{ Log *slog.Logger }

// SendCode logs the code.
func (l LogSender) SendCode(ctx context.Context, phone, code string, ttl time.Duration) error {
	l.Log.LogAttrs(ctx, slog.LevelInfo, "sms sign-in code (log sender: not delivered)",
		slog.String("to", pii.MaskPhone(phone)), slog.String("code", code), slog.Duration("ttl", ttl))
	return nil
}

// MemorySender keeps the last code sent to each phone, for tests.
type MemorySender struct {
	mu    sync.Mutex
	codes map[string]string
	sent  int
}

// SendCode records the code.
func (m *MemorySender) SendCode(_ context.Context, phone, code string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.codes == nil {
		m.codes = map[string]string{}
	}
	m.codes[phone] = code
	m.sent++
	return nil
}

// Last returns the last code sent to the phone (eleven digits), "" if none.
func (m *MemorySender) Last(phone string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.codes[phone]
}

// Sent counts the codes sent.
func (m *MemorySender) Sent() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent
}
