package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under
// /open311/v2/, in JSON and XML, with the page/page_size and extensions
// parameters and the servicerequestupdates feed. Services are the active
// leaves of the category tree; a service request is an event, named by its
// readable code. Reading is public; posting needs an API key.

const open311Base = "/open311/v2"

// open311Changeset dates this implementation's discovery document.
const open311Changeset = "2026-06-01T00:00:00Z"

// Open311 list bounds: the spec's 90-day window, pages of at most
// event.MaxPublicPage, and no paging deeper than maxOpen311Offset (narrow the
// window instead, which the indexes answer cheaply).
const (
	open311Window      = 90 * 24 * time.Hour
	defaultOpen311Page = 100
	maxOpen311Offset   = 100_000
	maxOpen311IDs      = 100
)

// open311Routes serves Open311 and, beside it, the console's management of
// the API keys that Open311 clients post with.
func (s *Server) open311Routes(mux *http.ServeMux) {
	if s.opts.APIKeys != nil {
		s.apiKeyRoutes(mux)
	}
	if s.opts.Events == nil || s.opts.Categories == nil {
		return
	}
	for _, f := range []string{"json", "xml"} {
		asXML := f == "xml"
		mux.HandleFunc("GET "+open311Base+"/discovery."+f, s.o311(asXML, s.open311Discovery))
		mux.HandleFunc("GET "+open311Base+"/services."+f, s.o311(asXML, s.open311Services))
		mux.HandleFunc("GET "+open311Base+"/requests."+f, s.o311(asXML, s.open311Requests))
		mux.HandleFunc("POST "+open311Base+"/requests."+f, s.o311(asXML, s.open311Post))
		mux.HandleFunc("GET "+open311Base+"/servicerequestupdates."+f, s.o311(asXML, s.open311Updates))
	}
	// A service code has dots of its own, so the format is cut off the last
	// path segment by the handler.
	mux.HandleFunc("GET "+open311Base+"/services/{file}", s.o311File(s.open311Definition))
	mux.HandleFunc("GET "+open311Base+"/requests/{file}", s.o311File(s.open311Request))
	mux.HandleFunc("GET "+open311Base+"/tokens/{file}", s.o311File(s.open311Token))
	mux.HandleFunc("/open311/", func(w http.ResponseWriter, r *http.Request) {
		s.open311Error(w, r, strings.HasSuffix(r.URL.Path, ".xml"),
			apperr.New(apperr.NotFound, "no such Open311 resource: %s %s (see %s/discovery.json)", r.Method, r.URL.Path, open311Base))
	})
}

type open311Handler func(w http.ResponseWriter, r *http.Request, asXML bool)

func (s *Server) o311(asXML bool, h open311Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h(w, r, asXML) }
}

// o311File serves {name}.json or {name}.xml, with the name in r's "name" value.
func (s *Server) o311File(h open311Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		name, ext, ok := cutLast(file, ".")
		if !ok || (ext != "json" && ext != "xml") || name == "" {
			s.open311Error(w, r, false, apperr.New(apperr.NotFound, "no such Open311 resource: %s; add .json or .xml", r.URL.Path))
			return
		}
		r.SetPathValue("name", name)
		h(w, r, ext == "xml")
	}
}

func formatExt(asXML bool) string {
	if asXML {
		return ".xml"
	}
	return ".json"
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// open311Error answers errors as Open311 does: a list of {code, description}
// with 400, 403 or 404. Refused keys are 403 whether missing, unknown or
// revoked, as the spec asks.
func (s *Server) open311Error(w http.ResponseWriter, r *http.Request, asXML bool, err error) {
	e, ok := apperr.As(err)
	if !ok {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(r.Context())), slog.String("route", r.Pattern), slog.Any("err", err))
		e = &apperr.Error{Code: apperr.Internal, Message: "internal error; the request id is " + requestID(r.Context())}
	}
	status, known := statusOf[e.Code]
	switch {
	case e.Code == apperr.Unauthorized || e.Code == apperr.Forbidden:
		status = http.StatusForbidden
	case e.Code == apperr.Conflict:
		status = http.StatusBadRequest
	case !known:
		status = http.StatusInternalServerError
	}
	var list []o311Error
	for _, f := range e.Fields {
		list = append(list, o311Error{Code: status, Description: open311Field(f.Field) + ": " + f.Reason})
	}
	if len(list) == 0 {
		list = []o311Error{{Code: status, Description: e.Message}}
	}
	if e.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	writeOpen311(w, r, asXML, status, list, o311Errors{Errors: list})
}

// open311Field names a field of the event service by the Open311 parameter
// the client sent.
func open311Field(f string) string {
	switch f {
	case "lng", "lat":
		return "lat/long"
	case "category_code":
		return "service_code"
	case "grid_code", "title", "urgency":
		return "attribute[" + f + "]"
	case "within":
		return "jurisdiction_id"
	case "address":
		return "address_string"
	case "reporter_name":
		return "first_name/last_name"
	case "reporter_phone":
		return "phone"
	}
	return f
}

func (s *Server) open311Discovery(w http.ResponseWriter, r *http.Request, asXML bool) {
	scheme := "http"
	if s.isTLS(r) {
		scheme = "https"
	}
	d := o311Discovery{
		Changeset:  open311Changeset,
		Contact:    "The administrators of this gridgov deployment (the city's governance center).",
		KeyService: "Ask the administrators for an API key: they issue one per client in the console (API keys) or with 'gridgov apikey add --name NAME'.",
		Endpoints: []o311Endpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2",
			URL:           scheme + "://" + r.Host + open311Base,
			Changeset:     open311Changeset,
			Type:          "production",
			Formats:       []string{"application/json", "text/xml"},
		}},
	}
	writeOpen311(w, r, asXML, http.StatusOK, d, d)
}

// --- Services ----------------------------------------------------------------

func (s *Server) open311Services(w http.ResponseWriter, r *http.Request, asXML bool) {
	leaves, err := s.opts.Categories.Leaves(r.Context())
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	en := wantsEnglish(r, "locale")
	out := make([]o311Service, 0, len(leaves))
	for _, c := range leaves {
		sv := o311Service{ServiceCode: c.Code, ServiceName: catName(c, en), Description: nonEmpty(c.RegistrationStandard),
			Metadata: true, Type: "realtime", Keywords: nonEmpty(strings.Join(c.Keywords, ","))}
		if g, err := s.opts.Categories.Get(r.Context(), c.ParentCode); err == nil {
			sv.Group = nonEmpty(catName(g, en))
		}
		out = append(out, sv)
	}
	writeOpen311(w, r, asXML, http.StatusOK, out, o311Services{Services: out})
}

func catName(c category.Category, en bool) string {
	if en && c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// service returns an active leaf of the tree by its service code.
func (s *Server) service(r *http.Request, code string) (category.Category, bool, error) {
	c, err := s.opts.Categories.Get(r.Context(), code)
	if apperr.Is(err, apperr.NotFound) {
		return category.Category{}, false, nil
	}
	if err != nil {
		return category.Category{}, false, err
	}
	return c, c.Leaf && c.Active, nil
}

// The attributes every service takes. Each is optional: a client that knows
// none of them can still report with lat/long and a description.
const (
	attrTitle    = "title"
	attrGrid     = "grid_code"
	attrUrgency  = "urgency"
	attrStandard = "registration_standard"
)

func serviceAttributes(c category.Category, en bool) []o311Attribute {
	t := func(zh, enText string) *string {
		if en {
			return &enText
		}
		return &zh
	}
	def := string(c.DefaultUrgency)
	if def == "" {
		def = string(category.Normal)
	}
	attrs := []o311Attribute{
		{Variable: true, Code: attrTitle, Datatype: "string", Order: 1,
			DatatypeDescription: t("不超过100字", "at most 100 characters"),
			Description:         t("标题；不填时取描述的开头", "A short title; the start of the description when not given")},
		{Variable: true, Code: attrGrid, Datatype: "string", Order: 2,
			DatatypeDescription: t("15位网格编码", "a 15-digit grid code"),
			Description:         t("事件所在网格；未提供经纬度时必填（仅有地址无法定位到网格）", "The grid of the event; required without lat/long, since an address alone cannot be placed in a grid")},
		{Variable: true, Code: attrUrgency, Datatype: "singlevaluelist", Order: 3,
			Description: t("紧急程度，默认"+def, "Urgency; default "+def),
			Values: []o311Value{
				{Key: string(category.Normal), Name: *t("一般", "normal")},
				{Key: string(category.Urgent), Name: *t("紧急", "urgent")},
				{Key: string(category.Emergency), Name: *t("特急（立即派遣）", "emergency (dispatched at once)")},
			}},
	}
	if c.RegistrationStandard != "" {
		desc := c.RegistrationStandard
		if c.ClosingStandard != "" {
			desc += *t("；结案标准：", "; closed when: ") + c.ClosingStandard
		}
		attrs = append(attrs, o311Attribute{Variable: false, Code: attrStandard, Datatype: "text", Order: 4,
			Description: &desc})
	}
	return attrs
}

func (s *Server) open311Definition(w http.ResponseWriter, r *http.Request, asXML bool) {
	code := r.PathValue("name")
	c, ok, err := s.service(r, code)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	if !ok {
		s.open311Error(w, r, asXML, apperr.New(apperr.NotFound, "service_code %q not found (see services.json)", code))
		return
	}
	d := o311Definition{ServiceCode: c.Code, Attributes: serviceAttributes(c, wantsEnglish(r, "locale"))}
	writeOpen311(w, r, asXML, http.StatusOK, d, d)
}

// --- Requests ----------------------------------------------------------------

// open311Time is how every datetime is written: UTC, ISO 8601, to the second.
func open311Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func open311TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := open311Time(*t)
	return &v
}

func open311Status(st event.State) string {
	if st.Open() {
		return "open"
	}
	return "closed"
}

// parseW3C reads a datetime as the spec gives it (W3C: ISO 8601 with a zone),
// or a bare date taken as midnight UTC. An unescaped '+' in a query string
// arrives as a space, and is put back.
func parseW3C(v string) (time.Time, bool) {
	v = strings.ReplaceAll(strings.TrimSpace(v), " ", "+")
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// window reads start_date and end_date: at most 90 days apart, the last 90
// days when neither is given.
func window(q url.Values, now time.Time, fs *apperr.Fields) (from, to time.Time) {
	var hasFrom, hasTo bool
	if v := q.Get("start_date"); v != "" {
		if from, hasFrom = parseW3C(v); !hasFrom {
			fs.Add("start_date", fmt.Sprintf("must be a W3C datetime such as 2026-05-24T00:00:00Z, got %q", v))
		}
	}
	if v := q.Get("end_date"); v != "" {
		if to, hasTo = parseW3C(v); !hasTo {
			fs.Add("end_date", fmt.Sprintf("must be a W3C datetime such as 2026-06-24T00:00:00Z, got %q", v))
		}
	}
	switch {
	case hasFrom && hasTo:
		if to.Before(from) {
			fs.Add("end_date", "must not be before start_date")
		} else if to.Sub(from) > open311Window {
			fs.Add("end_date", "must be at most 90 days after start_date")
		}
	case hasFrom:
		to = from.Add(open311Window)
	case hasTo:
		from = to.Add(-open311Window)
	default:
		to = now
		from = now.Add(-open311Window)
	}
	return from, to
}

// paging reads page (from 1) and page_size (1..1000, default 100).
func paging(q url.Values, fs *apperr.Fields) (offset, limit int) {
	page, size := 1, defaultOpen311Page
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fs.Add("page", fmt.Sprintf("must be a whole number from 1, got %q", v))
		} else {
			page = n
		}
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > event.MaxPublicPage {
			fs.Add("page_size", fmt.Sprintf("must be a whole number from 1 to %d, got %q", event.MaxPublicPage, v))
		} else {
			size = n
		}
	}
	if page > 1 && (page-1)*size > maxOpen311Offset {
		fs.Add("page", fmt.Sprintf("goes deeper than %d requests; narrow start_date and end_date instead", maxOpen311Offset))
	}
	return (page - 1) * size, size
}

func splitComma(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// jurisdiction reads jurisdiction_id: optional, as one deployment serves one
// city; when given it is a region code and limits lists to its subtree.
func (s *Server) jurisdiction(r *http.Request) (string, error) {
	return s.jurisdictionPath(r.Context(), r.URL.Query().Get("jurisdiction_id"))
}

// jurisdictionPath is the path of the region a jurisdiction_id names, ""
// when none is named.
func (s *Server) jurisdictionPath(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	reg, err := region.Lookup(ctx, s.opts.DB.Read(), code)
	if apperr.Is(err, apperr.NotFound) {
		return "", apperr.New(apperr.NotFound, "jurisdiction_id %q not found; it is a region code, and may be left out", code)
	}
	if err != nil {
		return "", err
	}
	return reg.Path, nil
}

func (s *Server) open311Requests(w http.ResponseWriter, r *http.Request, asXML bool) {
	in, err := s.open311Query(r)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	list, err := s.opts.Events.PublicList(r.Context(), in)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	out := make([]o311Request, len(list))
	for i, p := range list {
		out[i] = s.toOpen311Request(r, p, in.History)
	}
	writeOpen311(w, r, asXML, http.StatusOK, out, o311Requests{Requests: out})
}

// open311Query reads the parameters of GET requests.
func (s *Server) open311Query(r *http.Request) (event.PublicQuery, error) {
	q := r.URL.Query()
	var fs apperr.Fields
	in := event.PublicQuery{History: q.Get("extensions") == "true"}
	if ids := splitComma(q.Get("service_request_id")); len(ids) > 0 {
		// The spec: with ids given, every other parameter is ignored.
		if len(ids) > maxOpen311IDs {
			return in, apperr.Field("service_request_id", fmt.Sprintf("at most %d ids at once", maxOpen311IDs))
		}
		in.Codes, in.Limit = ids, len(ids)
		return in, nil
	}
	in.From, in.To = window(q, time.Now(), &fs)
	in.Offset, in.Limit = paging(q, &fs)
	for _, code := range splitComma(q.Get("service_code")) {
		if c, err := s.opts.Categories.Get(r.Context(), code); err != nil || !c.Leaf {
			fs.Add("service_code", fmt.Sprintf("%q is not a service (see services.json)", code))
			continue
		}
		in.Categories = append(in.Categories, code)
	}
	open, closed := false, false
	for _, st := range splitComma(q.Get("status")) {
		switch st {
		case "open":
			open = true
		case "closed":
			closed = true
		default:
			fs.Add("status", fmt.Sprintf("must be open, closed or open,closed, got %q", st))
		}
	}
	if open != closed {
		in.Open = &open
	}
	if err := fs.Err(); err != nil {
		return in, err
	}
	var err error
	in.RegionPath, err = s.jurisdiction(r)
	return in, err
}

func (s *Server) open311Request(w http.ResponseWriter, r *http.Request, asXML bool) {
	ext := r.URL.Query().Get("extensions") == "true"
	p, err := s.opts.Events.PublicGet(r.Context(), r.PathValue("name"), ext)
	if apperr.Is(err, apperr.NotFound) {
		err = apperr.New(apperr.NotFound, "service_request_id %q not found", r.PathValue("name"))
	}
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	// The spec answers a single request as a list of one.
	out := []o311Request{s.toOpen311Request(r, p, ext)}
	writeOpen311(w, r, asXML, http.StatusOK, out, o311Requests{Requests: out})
}

// toOpen311Request maps an event to an Open311 service request.
func (s *Server) toOpen311Request(r *http.Request, p event.Public, ext bool) o311Request {
	en := wantsEnglish(r, "locale")
	cat, _ := s.opts.Categories.Get(r.Context(), p.CategoryCode)
	o := o311Request{
		ServiceRequestID:  p.Code,
		Status:            open311Status(p.State),
		StatusNotes:       nonEmpty(p.StatusNote),
		ServiceName:       nonEmpty(catName(cat, en)),
		ServiceCode:       p.CategoryCode,
		Description:       nonEmpty(p.Description),
		AgencyResponsible: nonEmpty(p.LeadDepartment),
		ServiceNotice:     nonEmpty(cat.ClosingStandard),
		RequestedDatetime: open311Time(p.CreatedAt),
		UpdatedDatetime:   open311TimePtr(&p.UpdatedAt),
		Address:           nonEmpty(p.Address),
	}
	if o.Description == nil {
		o.Description = nonEmpty(p.Title)
	}
	if p.State == event.Closed && p.ClosedAt != nil {
		o.UpdatedDatetime = open311TimePtr(p.ClosedAt)
	}
	if p.State.Open() {
		o.ExpectedDatetime = open311TimePtr(p.StepDue)
	}
	if p.Location != nil {
		lng, lat := p.Location[0], p.Location[1]
		o.Long, o.Lat = &lng, &lat
	}
	if ext {
		x := &o311Extended{State: string(p.State), Urgency: string(p.Urgency), GridCode: nonEmpty(p.GridCode), Level: nonEmpty(p.Level),
			RegionCode: nonEmpty(p.RegionCode), Title: nonEmpty(p.Title), History: []o311HistoryEntry{}}
		for code := p.CategoryCode; code != ""; code = category.ParentOf(code) {
			node := o311PathNode{Code: code, Name: code}
			if c, err := s.opts.Categories.Get(r.Context(), code); err == nil {
				node.Name = catName(c, en)
			}
			x.CategoryPath = append([]o311PathNode{node}, x.CategoryPath...)
		}
		for _, h := range p.History {
			x.History = append(x.History, o311HistoryEntry{Action: h.Action, From: string(h.From), To: string(h.To),
				Status: open311Status(h.To), Datetime: open311Time(h.At)})
		}
		o.Extended = x
	}
	return o
}

func (s *Server) open311Token(w http.ResponseWriter, r *http.Request, asXML bool) {
	token := r.PathValue("name")
	code, err := s.opts.Events.CodeOfToken(r.Context(), token)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	out := []o311Created{{ServiceRequestID: code, Token: token}}
	writeOpen311(w, r, asXML, http.StatusOK, out, o311CreatedList{Requests: out})
}

func (s *Server) open311Updates(w http.ResponseWriter, r *http.Request, asXML bool) {
	q := r.URL.Query()
	var fs apperr.Fields
	from, to := window(q, time.Now(), &fs)
	offset, limit := paging(q, &fs)
	if err := fs.Err(); err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	path, err := s.jurisdiction(r)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	list, err := s.opts.Events.PublicUpdates(r.Context(), from, to, path, offset, limit)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	out := make([]o311Update, len(list))
	for i, u := range list {
		out[i] = o311Update{UpdateID: strconv.FormatInt(u.ID, 10), ServiceRequestID: u.Code, Status: open311Status(u.State),
			ExternalStatusCode: string(u.State), UpdatedDatetime: open311Time(u.At), Description: nonEmpty(u.Note)}
	}
	writeOpen311(w, r, asXML, http.StatusOK, out, o311Updates{Updates: out})
}

// --- Posting a request -------------------------------------------------------

const maxMediaURL = 500

// open311Post files an event for an API client. The key is checked before
// anything else is read, so that a caller without one learns nothing and
// changes nothing.
func (s *Server) open311Post(w http.ResponseWriter, r *http.Request, asXML bool) {
	if s.opts.APIKeys == nil {
		s.open311Error(w, r, asXML, apperr.New(apperr.Forbidden, "this deployment accepts no posted requests (no API keys are issued)"))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			s.open311Error(w, r, asXML, apperr.Field("Content-Type", "must be application/x-www-form-urlencoded"))
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.open311Error(w, r, asXML, apperr.Field("body", fmt.Sprintf("is larger than %d bytes", s.opts.MaxBodyBytes)))
			return
		}
		s.open311Error(w, r, asXML, apperr.Field("body", "is not a readable form: "+err.Error()))
		return
	}
	f := r.Form
	client, err := s.opts.APIKeys.Authenticate(r.Context(), f.Get("api_key"))
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	// A named jurisdiction must be known, and the request must lie in it.
	within, err := s.jurisdictionPath(r.Context(), f.Get("jurisdiction_id"))
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	in, err := s.open311Input(r, f)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	in.Within = within
	filed, err := s.opts.Events.Report(r.Context(), client.Principal(s.clientIP(r)), in)
	if err != nil {
		s.open311Error(w, r, asXML, err)
		return
	}
	// The event is stored at once, so the answer carries its id; the token
	// is given too for clients that follow requests by token.
	cat, _ := s.opts.Categories.Get(r.Context(), filed.Event.CategoryCode)
	out := []o311Created{{ServiceRequestID: filed.Event.Code, Token: filed.Event.Token(), ServiceNotice: nonEmpty(cat.ClosingStandard)}}
	w.Header().Set("Location", open311Base+"/requests/"+filed.Event.Code+formatExt(asXML))
	writeOpen311(w, r, asXML, http.StatusOK, out, o311CreatedList{Requests: out})
}

// open311Input turns the posted form into a report. Checks of the report
// itself (text, category, place, phone) are the event service's; here only
// what is particular to Open311.
func (s *Server) open311Input(r *http.Request, f url.Values) (event.ReportInput, error) {
	var fs apperr.Fields
	in := event.ReportInput{Source: event.FromAPI, CategoryCode: strings.TrimSpace(f.Get("service_code")),
		Description: strings.TrimSpace(f.Get("description")), Address: strings.TrimSpace(f.Get("address_string")),
		CRS: f.Get("crs"), ReporterPhone: f.Get("phone")}
	var cat category.Category
	if in.CategoryCode == "" {
		fs.Add("service_code", "is required (see services.json)")
	} else if c, ok, err := s.service(r, in.CategoryCode); err != nil {
		return in, err
	} else if !ok {
		fs.Add("service_code", fmt.Sprintf("%q is not a service (see services.json)", in.CategoryCode))
	} else {
		cat = c
	}
	for key, vs := range f {
		code, ok := strings.CutPrefix(key, "attribute[")
		if !ok {
			continue
		}
		code, ok = strings.CutSuffix(code, "]")
		v := strings.TrimSpace(vs[0])
		switch {
		case !ok:
			fs.Add(key, "is not a parameter; attributes are sent as attribute[CODE]")
		case code == attrTitle:
			in.Title = v
		case code == attrGrid:
			in.GridCode = v
		case code == attrUrgency:
			in.Urgency = category.Urgency(v)
			if v != "" && !in.Urgency.Valid() {
				fs.Add(key, "must be normal, urgent or emergency")
			}
		case code == attrStandard:
			fs.Add(key, "is information for the reporter, not an input")
		default:
			fs.Add(key, fmt.Sprintf("is not an attribute of this service (see services/%s.json)", in.CategoryCode))
		}
	}
	lat, long := strings.TrimSpace(f.Get("lat")), strings.TrimSpace(f.Get("long"))
	switch {
	case lat != "" && long != "":
		y, errY := strconv.ParseFloat(lat, 64)
		x, errX := strconv.ParseFloat(long, 64)
		if errY != nil || math.IsNaN(y) || math.IsInf(y, 0) {
			fs.Add("lat", fmt.Sprintf("must be a number, got %q", lat))
		}
		if errX != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			fs.Add("long", fmt.Sprintf("must be a number, got %q", long))
		}
		in.Lat, in.Lng = &y, &x
	case lat != "" || long != "":
		fs.Add("lat/long", "give both lat and long")
	case in.GridCode != "":
		// Placed by the grid; the address describes the spot within it.
	case in.Address != "" || f.Get("address_id") != "":
		fs.Add("address_string", "an address alone cannot be placed in a grid here; send lat and long (WGS-84, or crs=gcj02), or attribute[grid_code] with the address")
	default:
		fs.Add("lat/long", "give the location: lat and long, or address_string with attribute[grid_code]")
	}
	if in.Title == "" {
		in.Title = titleFrom(in.Description, catName(cat, false))
	}
	if m := strings.TrimSpace(f.Get("media_url")); m != "" {
		// Kept as a line of the description until attachments are fetched;
		// the server never downloads what a client points it to.
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(m) > maxMediaURL {
			fs.Add("media_url", fmt.Sprintf("must be an http(s) URL of at most %d characters", maxMediaURL))
		} else {
			in.Description = strings.TrimSpace(in.Description + "\n" + m)
		}
	}
	in.ReporterName = personName(f.Get("first_name"), f.Get("last_name"))
	if err := fs.Err(); err != nil {
		return in, err
	}
	return in, nil
}

// personName joins a name in the order of its script: family name first
// for Chinese (张 + 三 = 张三), given name first otherwise.
func personName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	for _, r := range last + first {
		if unicode.Is(unicode.Han, r) {
			return last + first
		}
	}
	return strings.TrimSpace(first + " " + last)
}

// titleFrom makes a title of the description's first line (cut at 30
// characters), or the service's name.
func titleFrom(description, service string) string {
	line, _, _ := strings.Cut(description, "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return service
	}
	if utf8.RuneCountInString(line) > 30 {
		return string([]rune(line)[:30]) + "…"
	}
	return line
}
