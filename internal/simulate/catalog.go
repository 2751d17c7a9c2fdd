package simulate

import "strings"

// This file is data: who we send to, who sends to us, and the names they go
// by. Weights are relative shares of recipients for a typical European B2C
// sender, which is what most TinoMail fleets are.

// provider is a recipient domain with the MX hosts that serve it.
type provider struct {
	domain string
	weight float64
	mx     []string
	family *family
}

// corporateShare is the share of recipients at the long tail of company
// domains rather than at a consumer mailbox provider.
const corporateShare = 30.0

var consumerProviders = []provider{
	{"gmail.com", 30, []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", "alt2.gmail-smtp-in.l.google.com"}, google},
	{"hotmail.com", 8, []string{"hotmail-com.olc.protection.outlook.com"}, microsoft},
	{"outlook.com", 6, []string{"outlook-com.olc.protection.outlook.com"}, microsoft},
	{"live.com", 2, []string{"live-com.olc.protection.outlook.com"}, microsoft},
	{"yahoo.com", 8, []string{"mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"}, yahoo},
	{"aol.com", 2, []string{"mx-aol.mail.gm0.yahoodns.net"}, yahoo},
	{"icloud.com", 5, []string{"mx01.mail.icloud.com", "mx02.mail.icloud.com"}, apple},
	{"me.com", 1, []string{"mx01.mail.icloud.com", "mx02.mail.icloud.com"}, apple},
	{"mail.ru", 2, []string{"mxs.mail.ru"}, mailru},
	{"yandex.ru", 2, []string{"mx.yandex.ru"}, yandex},
	{"gmx.de", 2, []string{"mx00.gmx.net", "mx01.gmx.net"}, unitedInternet},
	{"web.de", 2, []string{"mx-ha03.web.de", "mx-ha02.web.de"}, unitedInternet},
}

// defaultSenderDomains are the domains our fleet sends for (and receives
// for); the first ones send the most, as in any real customer base.
var defaultSenderDomains = []string{
	"shop.example", "news.example.com", "notify.example.net", "accounts.example.org",
	"store.example", "travel.example.com", "bank.example", "events.example.org",
	"saas.example.net", "forum.example", "deals.example.com", "support.example.net",
}

// senderLocals are the envelope senders applications send from.
var senderLocals = []string{
	"noreply", "no-reply", "newsletter", "orders", "notifications", "info",
	"billing", "alerts", "hello", "support", "marketing", "accounts",
}

// inboxLocals are role mailboxes that receive inbound mail.
var inboxLocals = []string{"support", "info", "sales", "billing", "jobs", "abuse", "postmaster", "hello"}

var firstNames = []string{
	"anna", "ben", "carla", "david", "emma", "felix", "greta", "hugo", "ines", "jonas",
	"katrin", "lukas", "maria", "niklas", "olga", "paul", "quentin", "rosa", "sven", "tina",
	"ulrich", "vera", "walter", "xenia", "yusuf", "zoe", "alex", "bruno", "chloe", "dmitri",
	"elena", "fatima", "george", "hannah", "ivan", "julia", "kevin", "laura", "marco", "nina",
	"oscar", "petra", "raj", "sofia", "tom", "uma", "victor", "wei", "yara", "mila",
}

var lastNames = []string{
	"mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "schulz", "hoffmann",
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "martin", "bernard",
	"dubois", "thomas", "robert", "richard", "petit", "rossi", "russo", "ferrari", "esposito", "bianchi",
	"ivanov", "smirnov", "kuznetsov", "popov", "novak", "kowalski", "nowak", "jansen", "devries", "bakker",
	"nielsen", "hansen", "larsen", "andersson", "johansson", "virtanen", "korhonen", "silva", "santos", "costa",
}

var companyWords = []string{
	"acme", "globex", "initech", "umbrella", "stark", "wayne", "wonka", "hooli", "vandelay", "cyberdyne",
	"soylent", "tyrell", "aperture", "blackmesa", "oscorp", "massive", "dynamic", "northwind", "contoso", "fabrikam",
	"litware", "adventure", "alpine", "coho", "fourth", "humongous", "lucerne", "margie", "proseware", "tailspin",
}

var companySuffixes = []string{"", "-group", "-tech", "-consulting", "-logistics", "-labs", "-gmbh", "-media"}

var companyTLDs = []string{".example", ".example.com", ".example.net", ".example.org"}

// corporateProviders builds the long tail of company domains. Which mail
// service fronts a company follows its position, so that the tail has the
// real mix: many on Microsoft 365, many on Google Workspace, some behind a
// filtering gateway, the rest on their own servers.
func corporateProviders() []provider {
	var out []provider
	for i, w := range companyWords {
		for j, s := range companySuffixes {
			domain := w + s + companyTLDs[(i+j)%len(companyTLDs)]
			p := provider{domain: domain, weight: 1 / float64(len(out)+1)}
			switch n := (i*7 + j*3) % 20; {
			case n < 7:
				p.mx, p.family = []string{strings.ReplaceAll(domain, ".", "-") + ".mail.protection.outlook.com"}, microsoft
			case n < 12:
				p.mx, p.family = []string{"aspmx.l.google.com", "alt1.aspmx.l.google.com"}, google
			case n < 14:
				p.mx, p.family = []string{"eu-smtp-inbound-1.mimecast.com", "eu-smtp-inbound-2.mimecast.com"}, generic
			default:
				p.mx, p.family = []string{"mx1." + domain, "mx2." + domain}, generic
			}
			out = append(out, p)
		}
	}
	return out
}

// Our receiving side (Haraka/rspamd style) answers inbound mail with these.
var (
	inboundAccepted = rep("250 2.0.0 Message Queued ({rid})", "", "", false)
	inboundRejected = []reply{
		rep("554 5.7.1 Spam message rejected", "spam", "rejected as spam", true),
		rep("550 5.7.1 Rejected by DMARC policy for {from}", "dmarc", "rejected by DMARC policy", true),
		spamhausBlock,
		rep("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", "user_unknown", "mailbox does not exist", true),
	}
	inboundRejectWeights = []float64{60, 15, 15, 10}
	inboundGreylist      = rep("451 4.7.1 Greylisted, please try again in 300 seconds", "greylist", "greylisted", false)
	inboundSoftReject    = rep("451 4.7.1 Try again later: message looks like spam", "spam", "soft rejected as likely spam", false)
)
