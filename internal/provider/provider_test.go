package provider

import "testing"

func TestOf(t *testing.T) {
	cases := []struct{ domain, mx, want string }{
		{"gmail.com", "gmail-smtp-in.l.google.com", Google},
		{"googlemail.com", "", Google},
		{"acme.example", "aspmx.l.google.com", Google}, // Google Workspace
		{"acme.example", "alt2.aspmx.l.google.com", Google},
		{"acme.example", "mx1.smtp.goog", Google},
		{"outlook.com", "outlook-com.olc.protection.outlook.com", Microsoft},
		{"hotmail.fr", "", Microsoft},
		{"hotmail.co.uk", "", Microsoft},
		{"live.com", "", Microsoft},
		{"msn.com", "", Microsoft},
		{"contoso.example", "contoso-example.mail.protection.outlook.com", Microsoft}, // Microsoft 365
		{"yahoo.com", "mta7.am0.yahoodns.net", Yahoo},
		{"yahoo.co.jp", "", Yahoo},
		{"ymail.com", "", Yahoo},
		{"aol.com", "mx-aol.mail.gm0.yahoodns.net", Yahoo},
		{"icloud.com", "mx01.mail.icloud.com", Apple},
		{"me.com", "", Apple},
		{"firm.example", "mx02.mail.icloud.com", Apple}, // iCloud custom domain
		{"mail.ru", "mxs.mail.ru", MailRu},
		{"bk.ru", "", MailRu},
		{"yandex.ru", "mx.yandex.ru", Yandex},
		{"yandex.com", "", Yandex},
		{"ya.ru", "", Yandex},
		{"shop.example", "mx.yandex.net", Yandex}, // Yandex 360
		{"gmx.de", "mx00.emig.gmx.net", GMX},
		{"gmx.at", "", GMX},
		{"web.de", "mx-ha03.web.de", GMX},
		{"proton.me", "mail.protonmail.ch", Proton},
		{"pm.me", "", Proton},
		{"startup.example", "mailsec.protonmail.ch", Proton},
		{"zoho.com", "mx.zoho.com", Zoho},
		{"biz.example", "mx2.zoho.eu", Zoho},
		{"fastmail.com", "in1-smtp.messagingengine.com", Fastmail},
		{"own.example", "in2-smtp.messagingengine.com", Fastmail},
		{"comcast.net", "mx1a1.comcast.net", Comcast},
		{"example.org", "mx.example.org", Other},
		{"example.org", "", Other},
		{"", "mx.example.org", Other},
		{"", "", ""},
		// Look-alikes are not the provider.
		{"notgmail.com", "mx.notgoogle.com", Other},
		{"outlook.example.org", "", Other},
		{"gmail.com.evil.example", "", Other},
		{"acme.example", "google.com.evil.example", Other},
		{"acme.example", "evilgoogle.com", Other},
	}
	for _, c := range cases {
		if got := Of(c.domain, c.mx); got != c.want {
			t.Errorf("Of(%q, %q) = %q, want %q", c.domain, c.mx, got, c.want)
		}
	}
}

func BenchmarkOf(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Of("acme.example", "acme-example.mail.protection.outlook.com")
	}
}
