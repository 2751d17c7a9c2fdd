package simulate

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tinomail/tinomail/internal/event"
)

// appendEvent appends e as a JSON object with the field names of event.Event's
// JSON tags. It exists instead of encoding/json for two reasons: it is several
// times faster, which the load runner needs to saturate a server from a small
// machine, and it leaves out an empty direction as real MTA plugins do
// (event.Event always writes one), so that the server's inference is tested.
// encode_test.go holds it to encoding/json's output.
func appendEvent(b []byte, e *event.Event) []byte {
	b = append(b, `{"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","eventType":`...)
	b = appendString(b, string(e.EventType))
	if e.Direction != "" {
		b = append(b, `,"direction":`...)
		b = appendString(b, string(e.Direction))
	}
	b = appendField(b, "messageId", e.MessageID)
	b = appendField(b, "queueId", e.QueueID)
	b = appendField(b, "fromAddress", e.FromAddress)
	b = appendField(b, "fromUser", e.FromUser)
	b = appendField(b, "fromDomain", e.FromDomain)
	b = appendField(b, "toAddress", e.ToAddress)
	b = appendField(b, "toDomain", e.ToDomain)
	b = appendField(b, "mtaNode", e.MTANode)
	b = appendField(b, "sendingIp", e.SendingIP)
	b = appendField(b, "sendingIpV6", e.SendingIPv6)
	b = appendField(b, "mxHost", e.MXHost)
	if e.StatusCode != 0 {
		b = append(b, `,"statusCode":`...)
		b = strconv.AppendInt(b, int64(e.StatusCode), 10)
	}
	b = appendField(b, "statusMessage", e.StatusMessage)
	b = appendInt(b, "deliveryTimeMs", e.DeliveryTimeMs)
	b = appendInt(b, "queueTimeMs", e.QueueTimeMs)
	b = appendInt(b, "totalTimeMs", e.TotalTimeMs)
	b = appendField(b, "bounceType", e.BounceType)
	b = appendField(b, "bounceCategory", e.BounceCategory)
	b = appendField(b, "bounceMessage", e.BounceMessage)
	b = appendInt(b, "messageSize", e.MessageSize)
	b = appendField(b, "dkimResult", e.DKIMResult)
	b = appendField(b, "spfResult", e.SPFResult)
	b = appendField(b, "dmarcResult", e.DMARCResult)
	if e.SpamScore != nil {
		b = append(b, `,"spamScore":`...)
		b = strconv.AppendFloat(b, *e.SpamScore, 'f', -1, 64)
	}
	b = appendField(b, "spamAction", e.SpamAction)
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendInt(b []byte, name string, v *int64) []byte {
	if v == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, *v, 10)
}

// appendString writes s as a JSON string. Only quotes, backslashes, control
// characters and invalid UTF-8 need care; everything else is copied.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c >= utf8.RuneSelf {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
