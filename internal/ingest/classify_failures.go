package ingest

import (
	"github.com/tinomail/tinomail/internal/classify"
	"github.com/tinomail/tinomail/internal/event"
)

// ClassifyFailures does to events what ingest does before queueing them:
// failures without a category get one from their SMTP reply. Bulk loaders
// that bypass HTTP call it so that their rows match ingested ones.
func ClassifyFailures(c *classify.Classifier, events []event.Event) { classifyFailures(c, events) }
