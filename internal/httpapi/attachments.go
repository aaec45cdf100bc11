package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/event"
)

// attachmentBodySlack is what a multipart body may hold beyond the largest
// file: part headers, boundaries and the action_id field.
const attachmentBodySlack = 64 << 10

// attachmentRoutes serves files on events when both the event loop and the
// attachment store are set.
func (s *Server) attachmentRoutes(mux *http.ServeMux) {
	if s.opts.Events == nil || s.opts.Attachments == nil {
		return
	}
	mux.Handle("POST /api/v1/events/{id}/attachments", s.authed(s.uploadAttachment, 0))
	mux.Handle("GET /api/v1/events/{id}/attachments", s.authed(s.listAttachments, 0))
	mux.Handle("GET /api/v1/files/{key}", s.authed(s.serveFile, 0))
}

// attachmentJSON adds the URLs of a view's variants.
type attachmentJSON struct {
	event.AttachmentView
	URL         string `json:"url"`
	ThumbURL    string `json:"thumb_url,omitempty"`
	OriginalURL string `json:"original_url,omitempty"`
}

func withURLs(v event.AttachmentView) attachmentJSON {
	out := attachmentJSON{AttachmentView: v, URL: fileURL(v.PublicKey, event.VariantPublic)}
	if v.ThumbKey != "" {
		out.ThumbURL = fileURL(v.ThumbKey, event.VariantThumb)
	}
	if v.Key != "" {
		out.OriginalURL = fileURL(v.Key, event.VariantOriginal)
	}
	return out
}

func fileURL(key string, v event.Variant) string {
	return "/api/v1/files/" + key + "?variant=" + string(v)
}

// uploadAttachment takes one file (multipart field "file", with an
// optional "action_id" before it). The caller's right to add a file is
// checked before the upload is read, so that nobody can make the server
// read, decode and store files on events they may not touch.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.opts.Events.MayAttach(r.Context(), p, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	var actionRaw string
	var actionID *int64
	parseAction := func() error {
		if actionRaw == "" || actionID != nil {
			return nil
		}
		n, err := strconv.ParseInt(actionRaw, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Field("action_id", "must be a positive integer")
		}
		actionID = &n
		return nil
	}
	var accepted *attach.Attachment
	// readUpload turns any error of onFile without a code into a refusal of
	// the file; failures of the server (disk, database) are kept here
	// instead, so they are answered as internal errors.
	var internal error
	limit := int64(attach.DefaultMaxDocumentBytes) + attachmentBodySlack
	err = readUpload(w, r, limit, map[string]*string{"action_id": &actionRaw}, func(part io.Reader, name string) error {
		if accepted != nil {
			return apperr.Field("file", "send one file per request")
		}
		if err := parseAction(); err != nil {
			return err
		}
		declared := ""
		if mp, ok := part.(*multipart.Part); ok {
			declared = mp.Header.Get("Content-Type")
		}
		body := &readErrors{r: part}
		a, err := s.opts.Attachments.Accept(r.Context(), name, declared, body, attach.Limits{})
		switch _, coded := apperr.As(err); {
		case err == nil, coded:
		case body.err != nil:
			// The client's body broke off or was malformed, or was too large.
			return uploadError(body.err, limit)
		case r.Context().Err() == nil:
			internal = err
		}
		if err != nil {
			return err
		}
		accepted = &a
		return nil
	})
	if internal != nil {
		err = internal
	}
	if err == nil {
		// action_id may also follow the file.
		err = parseAction()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.opts.Events.Attach(r.Context(), p, id, actionID, *accepted)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/events/"+strconv.FormatInt(id, 10)+"/attachments")
	writeJSON(w, http.StatusCreated, withURLs(v))
}

// readErrors remembers the last error reading the upload, to tell a broken
// request from a failure of the server.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

func (s *Server) listAttachments(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.opts.Events.Attachments(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]attachmentJSON, len(views))
	for i, v := range views {
		items[i] = withURLs(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// fileMaxAge is how long a browser may reuse a file without asking; the
// bytes under a key never change, but access to them can end.
const fileMaxAge = "3600"

// serveFile sends a blob the caller may read. Uploaded bytes are hostile
// until proven otherwise, so besides the type checked at upload: the stored
// type is sent and never sniffed, a sandbox CSP keeps scripts from running
// should a browser render the file as a page, and originals and documents
// are downloads rather than pages.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ref, err := s.opts.Events.Blob(r.Context(), p, r.PathValue("key"), event.Variant(r.URL.Query().Get("variant")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, _, err := s.opts.Attachments.Store().Open(r.Context(), ref.Key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ref.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	disposition := "attachment"
	if ref.Image && ref.Variant != event.VariantOriginal {
		disposition = "inline"
	}
	if cd := mime.FormatMediaType(disposition, map[string]string{"filename": ref.Name}); cd != "" {
		disposition = cd
	}
	h.Set("Content-Disposition", disposition)
	// The key is the content's SHA-256: a strong validator by construction.
	h.Set("ETag", `"`+ref.Key+`"`)
	h.Set("Cache-Control", "private, max-age="+fileMaxAge)
	http.ServeContent(w, r, "", time.Time{}, f)
}
