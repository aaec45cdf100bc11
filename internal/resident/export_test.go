package resident

import "context"

// EnsureAccount exposes the first-sign-in account creation to the tests,
// which race it directly.
func (s *Service) EnsureAccount(ctx context.Context, phone string) (int64, error) {
	return s.ensureAccount(ctx, phone, s.keys.Index(phoneIndexPurpose, phone))
}
