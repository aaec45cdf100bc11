package httpapi

import (
	"net/http"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
)

type scopeJSON struct {
	Kind auth.ScopeKind `json:"kind"`
	Code string         `json:"code"`
	Name string         `json:"name"`
}

func scopeOf(u auth.User) scopeJSON {
	switch u.ScopeKind() {
	case auth.ScopeRegion:
		return scopeJSON{Kind: auth.ScopeRegion, Code: u.ScopeRegion, Name: u.ScopeRegionName}
	case auth.ScopeDepartment:
		return scopeJSON{Kind: auth.ScopeDepartment, Code: u.ScopeDepartment}
	default:
		return scopeJSON{Kind: auth.ScopeAll}
	}
}

type meJSON struct {
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name"`
	Role               auth.Role `json:"role"`
	Scope              scopeJSON `json:"scope"`
	TOTPEnabled        bool      `json:"totp_enabled"`
	MustChangePassword bool      `json:"must_change_password"`
	Restricted         bool      `json:"restricted"`
	CSRFToken          string    `json:"csrf_token"`
	// Display is set when this browser is a wall display.
	Display *displayRefJSON `json:"display,omitempty"`
}

func meOf(p auth.Principal) meJSON {
	return meJSON{
		ID: p.User.ID, Username: p.User.Username, DisplayName: p.User.DisplayName, Role: p.User.Role,
		Scope: scopeOf(p.User), TOTPEnabled: p.User.TOTPEnabled, MustChangePassword: p.User.MustChangePassword,
		Restricted: p.Restricted, CSRFToken: p.CSRFToken, Display: displayRefOf(p.Display),
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

type loginResponse struct {
	Token     string `json:"token"`
	CSRFToken string `json:"csrf_token"`
	User      meJSON `json:"user"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.opts.Auth.Login(r.Context(), auth.LoginInput{Username: req.Username, Password: req.Password, OTP: req.OTP, IP: s.clientIP(r)})
	if err != nil {
		s.metrics.logins.WithLabelValues(string(apperr.CodeOf(err))).Inc()
		s.writeError(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.setCookie(w, r, res.Token)
	writeJSON(w, http.StatusOK, loginResponse{Token: res.Token, CSRFToken: res.Principal.CSRFToken, User: meOf(res.Principal)})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := s.opts.Auth.Logout(r.Context(), p); err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Display != nil {
		s.displayStreams.end(p.Display.ID)
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	writeJSON(w, http.StatusOK, meOf(p))
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.CurrentPassword == "" {
		s.writeError(w, r, apperr.Field("current_password", "is required"))
		return
	}
	if err := s.opts.Auth.ChangePassword(r.Context(), p, req.CurrentPassword, req.NewPassword); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) enrollTOTP(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct{}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	en, err := s.opts.Auth.EnrollTOTP(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": en.Secret, "otpauth_url": en.URL})
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Code == "" {
		s.writeError(w, r, apperr.Field("code", "is required"))
		return
	}
	if err := s.opts.Auth.ConfirmTOTP(r.Context(), p, req.Code); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type userJSON struct {
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name"`
	Role               auth.Role `json:"role"`
	Scope              scopeJSON `json:"scope"`
	TOTPEnabled        bool      `json:"totp_enabled"`
	MustChangePassword bool      `json:"must_change_password"`
	Disabled           bool      `json:"disabled"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"`
}

func userOf(u auth.User) userJSON {
	return userJSON{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Scope: scopeOf(u),
		TOTPEnabled: u.TOTPEnabled, MustChangePassword: u.MustChangePassword, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version,
	}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	var f auth.UserFilter
	var fs apperr.Fields
	f.Limit = intParam(q.Get("limit"), 100, "limit", &fs)
	f.AfterID = int64(intParam(q.Get("after"), 0, "after", &fs))
	if role := q.Get("role"); role != "" {
		parsed, err := auth.ParseRole(role)
		if err != nil {
			fs.Add("role", err.Error())
		}
		f.Role = parsed
	}
	if err := fs.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	users, err := s.opts.Auth.ListUsers(r.Context(), p, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = userOf(u)
	}
	resp := map[string]any{"items": out}
	if len(users) == f.Limit && len(users) > 0 {
		resp["next_after"] = users[len(users)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var req struct {
		Username           string    `json:"username"`
		DisplayName        string    `json:"display_name"`
		Role               auth.Role `json:"role"`
		Scope              string    `json:"scope"`
		Password           string    `json:"password"`
		MustChangePassword *bool     `json:"must_change_password"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	mustChange := true // an administrator-set password is a one-time password by default
	if req.MustChangePassword != nil {
		mustChange = *req.MustChangePassword
	}
	u, err := s.opts.Auth.CreateUser(r.Context(), p, auth.NewUser{
		Username: req.Username, DisplayName: req.DisplayName, Role: req.Role, Scope: req.Scope,
		Password: req.Password, MustChangePassword: mustChange,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOf(u))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.opts.Auth.GetUser(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(u))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Version     int        `json:"version"`
		DisplayName *string    `json:"display_name"`
		Role        *auth.Role `json:"role"`
		Scope       *string    `json:"scope"`
		Disabled    *bool      `json:"disabled"`
		ResetTOTP   bool       `json:"reset_totp"`
	}
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.opts.Auth.UpdateUser(r.Context(), p, id, auth.UserUpdate{
		Version: req.Version, DisplayName: req.DisplayName, Role: req.Role, Scope: req.Scope,
		Disabled: req.Disabled, ResetTOTP: req.ResetTOTP,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOf(u))
}
