package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// The Open311 documents, each one Go type written as JSON or as XML. In JSON
// a list is a bare array; in XML it has the root element the GeoReport v2
// examples use. Absent values are JSON null (the published schemas allow
// null for every optional field) and omitted elements in XML.

type o311Discovery struct {
	XMLName    xml.Name       `json:"-" xml:"discovery"`
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type o311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description *string  `json:"description" xml:"description,omitempty"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    *string  `json:"keywords" xml:"keywords,omitempty"`
	Group       *string  `json:"group" xml:"group,omitempty"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

type o311Definition struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

type o311Attribute struct {
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription *string     `json:"datatype_description" xml:"datatype_description,omitempty"`
	Order               int         `json:"order" xml:"order"`
	Description         *string     `json:"description" xml:"description,omitempty"`
	Values              []o311Value `json:"values,omitempty" xml:"values>value,omitempty"`
}

type o311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

type o311Request struct {
	XMLName           xml.Name      `json:"-" xml:"request"`
	ServiceRequestID  string        `json:"service_request_id" xml:"service_request_id"`
	Status            string        `json:"status" xml:"status"`
	StatusNotes       *string       `json:"status_notes" xml:"status_notes,omitempty"`
	ServiceName       *string       `json:"service_name" xml:"service_name,omitempty"`
	ServiceCode       string        `json:"service_code" xml:"service_code"`
	Description       *string       `json:"description" xml:"description,omitempty"`
	AgencyResponsible *string       `json:"agency_responsible" xml:"agency_responsible,omitempty"`
	ServiceNotice     *string       `json:"service_notice" xml:"service_notice,omitempty"`
	RequestedDatetime string        `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   *string       `json:"updated_datetime" xml:"updated_datetime,omitempty"`
	ExpectedDatetime  *string       `json:"expected_datetime" xml:"expected_datetime,omitempty"`
	Address           *string       `json:"address" xml:"address,omitempty"`
	AddressID         *string       `json:"address_id" xml:"address_id,omitempty"`
	Zipcode           *string       `json:"zipcode" xml:"zipcode,omitempty"`
	Lat               *float64      `json:"lat" xml:"lat,omitempty"`
	Long              *float64      `json:"long" xml:"long,omitempty"`
	MediaURL          *string       `json:"media_url" xml:"media_url,omitempty"`
	Extended          *o311Extended `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

// o311Extended are gridgov's own fields, given with extensions=true.
type o311Extended struct {
	// State is the step of the closed loop behind open/closed.
	State        string         `json:"state" xml:"state"`
	Urgency      string         `json:"urgency" xml:"urgency"`
	CategoryPath []o311PathNode `json:"category_path" xml:"category_path>category"`
	// Where the event is held; null for a withheld category.
	GridCode   *string            `json:"grid_code" xml:"grid_code,omitempty"`
	Level      *string            `json:"level" xml:"level,omitempty"`
	RegionCode *string            `json:"region_code" xml:"region_code,omitempty"`
	Title      *string            `json:"title" xml:"title,omitempty"`
	History    []o311HistoryEntry `json:"history" xml:"history>entry"`
}

type o311PathNode struct {
	Code string `json:"code" xml:"code"`
	Name string `json:"name" xml:"name"`
}

type o311HistoryEntry struct {
	Action   string `json:"action" xml:"action"`
	From     string `json:"from" xml:"from"`
	To       string `json:"to" xml:"to"`
	Status   string `json:"status" xml:"status"`
	Datetime string `json:"datetime" xml:"datetime"`
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

// o311Created answers a POST, and tokens/{token} alike.
type o311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Token            string   `json:"token,omitempty" xml:"token,omitempty"`
	ServiceNotice    *string  `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
	AccountID        *string  `json:"account_id,omitempty" xml:"account_id,omitempty"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

type o311Update struct {
	XMLName            xml.Name `json:"-" xml:"request_update"`
	UpdateID           string   `json:"update_id" xml:"update_id"`
	ServiceRequestID   string   `json:"service_request_id" xml:"service_request_id"`
	Status             string   `json:"status" xml:"status"`
	ExternalStatusCode string   `json:"external_status_code" xml:"external_status_code"`
	UpdatedDatetime    string   `json:"updated_datetime" xml:"updated_datetime"`
	Description        *string  `json:"description" xml:"description,omitempty"`
	MediaURL           *string  `json:"media_url" xml:"media_url,omitempty"`
}

type o311Updates struct {
	XMLName xml.Name     `xml:"service_request_updates"`
	Updates []o311Update `xml:"request_update"`
}

type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// writeOpen311 answers with the JSON value, or the XML one when the caller
// asked for .xml. Open311 data is public: any origin may read it.
func writeOpen311(w http.ResponseWriter, r *http.Request, asXML bool, status int, jsonValue, xmlValue any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if safeMethod(r.Method) {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	h.Add("Vary", "Accept-Language")
	if !asXML {
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(jsonValue)
		return
	}
	h.Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n"))
	enc := xml.NewEncoder(w)
	_ = enc.Encode(xmlValue)
	_, _ = w.Write([]byte("\n"))
}
