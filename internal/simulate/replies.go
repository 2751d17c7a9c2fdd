package simulate

import "strconv"

// This file is data: SMTP replies modelled on what the big mailbox providers
// really answer, so that the dashboards' reason breakdowns look like the ones
// an operator sees in production. Placeholders are expanded per event:
// {ip} our sending IP, {rcpt} the recipient, {domain} the recipient domain,
// {from} the sender domain, {rid} a provider-style request id, {ts} a Unix
// timestamp.
//
// Every failure reply is one the server's classifier (internal/classify)
// sorts into a real category, as it does the real thing: a simulated fleet
// whose reasons land in "other" would show a dashboard no operator sees.
// TestSimulatedFailuresAreClassified keeps "other" under 2%.

// reply is one SMTP response a remote server (or our own receiver) gives.
type reply struct {
	text     string
	code     int
	category string // bounceCategory
	summary  string // bounceMessage: a short human reason
	hard     bool   // permanent for bounceType; meaningful on bounces only
}

// rep builds a reply, taking the status code from the text so that the two
// can never disagree.
func rep(text, category, summary string, hard bool) reply {
	code, _ := strconv.Atoi(text[:3])
	return reply{text: text, code: code, category: category, summary: summary, hard: hard}
}

// family is a group of receiving servers that answer alike (Gmail and Google
// Workspace, Outlook.com and Microsoft 365, …).
type family struct {
	name     string
	ipv6     bool // whether we deliver to it over IPv6 some of the time
	ok       []reply
	deferred []reply
	bounced  []reply
	rejected []reply
}

var spamhausBlock = rep("554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}",
	"blocklist", "sending IP listed on zen.spamhaus.org", true)

var connTimeout = rep("421 4.4.2 Connection timed out while talking to {domain}", "network", "connection timed out", false)

var google = &family{
	name: "google",
	ipv6: true,
	ok: []reply{
		rep("250 2.0.0 OK  {ts} {rid} - gsmtp", "", "", false),
	},
	deferred: []reply{
		rep("421-4.7.28 [{ip}] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. For more information, go to https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. {rid} - gsmtp",
			"rate_limit", "rate limited for unsolicited mail", false),
		rep("450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. If the user is able to receive mail at that time, your message will be delivered. For more information, go to https://support.google.com/mail/?p=ReceivingRate {rid} - gsmtp",
			"rate_limit", "recipient receiving mail too fast", false),
		rep("421-4.7.0 Try again later, closing connection. (EHLO) {rid} - gsmtp", "rate_limit", "connection closed, try again later", false),
		rep("450-4.7.26 Unauthenticated email sent to a Gmail account is subject to rate limiting. The sender must authenticate with at least one of SPF or DKIM. {rid} - gsmtp",
			"auth", "unauthenticated mail rate limited", false),
	},
	bounced: []reply{
		rep("550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser {rid} - gsmtp",
			"user_unknown", "mailbox does not exist", true),
		rep("550-5.2.1 The email account that you tried to reach is disabled. For more information, go to https://support.google.com/mail/?p=DisabledUser {rid} - gsmtp",
			"user_disabled", "mailbox disabled", true),
		rep("552-5.2.2 The recipient's inbox is out of storage space and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm {rid} - gsmtp",
			"mailbox_full", "mailbox full", false),
		rep("552-5.3.4 Your message exceeded Google's message size limits. For more information, go to https://support.google.com/mail/?p=MaxSizeError {rid} - gsmtp",
			"message_too_large", "message too large", false),
	},
	rejected: []reply{
		rep("550-5.7.1 [{ip}] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. For more information, go to https://support.google.com/mail/?p=UnsolicitedMessageError {rid} - gsmtp",
			"spam", "message blocked as unsolicited", true),
		rep("550-5.7.26 Unauthenticated email from {from} is not accepted due to domain's DMARC policy. Please contact the administrator of {from} domain if this was a legitimate mail. To learn about the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection {rid} - gsmtp",
			"dmarc", "rejected by DMARC policy", true),
	},
}

var microsoft = &family{
	name: "microsoft",
	ipv6: true,
	ok: []reply{
		rep("250 2.6.0 <{rid}@{from}> [InternalId={ts}, Hostname=AM0PR02MB5473.eurprd02.prod.outlook.com] Queued mail for delivery", "", "", false),
	},
	deferred: []reply{
		rep("451 4.7.650 The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId={rid}] [DB5PEPF00014B9C.eurprd02.prod.outlook.com]",
			"reputation", "temporarily rate limited due to IP reputation", false),
		rep("451 4.7.500 Server busy. Please try again later from [{ip}]. (S77714) [AMS0EPF000001A4.eurprd05.prod.outlook.com]", "server", "server busy", false),
		rep("421 RP-001 ({rid}) Unfortunately, some messages from {ip} weren't sent. Please try again. We have limits for how many messages can be sent per hour and per day. You can also refer to http://mail.live.com/mail/troubleshooting.aspx#errors.",
			"rate_limit", "hourly or daily sending limit", false),
	},
	bounced: []reply{
		rep("550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM0PR02MB5473.eurprd02.prod.outlook.com]",
			"user_unknown", "mailbox unavailable", true),
		rep("550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [DB5PEPF00014B9C.eurprd02.prod.outlook.com]",
			"user_unknown", "recipient address rejected", true),
		rep("552 5.2.2 Mailbox full. The recipient's mailbox is full and can't accept messages now. [AM0PR02MB5473.eurprd02.prod.outlook.com]",
			"mailbox_full", "mailbox full", false),
	},
	rejected: []reply{
		rep("550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AMS0EPF000001A4.eurprd05.prod.outlook.com]",
			"blocklist", "sending IP on Microsoft block list", true),
		rep("550 5.7.515 Access denied, sending domain {from} doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender. To learn more go to https://go.microsoft.com/fwlink/?LinkId=2299478 [DB5PEPF00014B9C.eurprd02.prod.outlook.com]",
			"auth", "sender domain not authenticated", true),
	},
}

var yahoo = &family{
	name: "yahoo",
	ok: []reply{
		rep("250 ok dirdel", "", "", false),
	},
	deferred: []reply{
		rep("421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
			"reputation", "temporarily deferred: volume or complaints", false),
		rep("421 4.7.0 [TSS09] All messages from {ip} will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
			"reputation", "permanently deferred", false),
		rep("451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see https://postmaster.yahooinc.com/error-codes",
			"dns", "sender domain does not resolve", false),
	},
	bounced: []reply{
		rep("554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta4011.mail.gq1.yahoo.com",
			"user_unknown", "mailbox does not exist", true),
		rep("554 delivery error: dd Sorry your message to {rcpt} cannot be delivered. This mailbox is disabled (554.30). - mta4011.mail.gq1.yahoo.com",
			"user_disabled", "mailbox disabled", true),
		rep("552 1 Requested mail action aborted, mailbox not found", "user_unknown", "mailbox not found", true),
	},
	rejected: []reply{
		rep("554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes", "policy", "not accepted for policy reasons", true),
		rep("550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
			"auth", "sender unauthenticated", true),
	},
}

var apple = &family{
	name: "apple",
	ok: []reply{
		rep("250 2.0.0 Ok: queued as {rid}", "", "", false),
	},
	deferred: []reply{
		rep("421 4.7.0 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137", "policy", "deferred by local policy", false),
		rep("450 4.2.1 <{rcpt}>: Recipient address rejected: Too many messages for this recipient, please try again later", "rate_limit", "recipient rate limited", false),
	},
	bounced: []reply{
		rep("550 5.1.1 <{rcpt}>: user does not exist", "user_unknown", "mailbox does not exist", true),
		rep("552 5.2.2 <{rcpt}>: user is over quota", "mailbox_full", "mailbox full", false),
	},
	rejected: []reply{
		rep("554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137", "policy", "rejected by local policy", true),
	},
}

var mailru = &family{
	name: "mailru",
	ok: []reply{
		rep("250 OK id=1r{rid}", "", "", false),
	},
	deferred: []reply{
		rep("451 4.7.1 Ratelimited, try again later. Please see https://help.mail.ru/postmaster-help for details.", "rate_limit", "rate limited", false),
	},
	bounced: []reply{
		rep("550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: user not found", "user_unknown", "mailbox does not exist", true),
		rep("552 5.2.2 Mailbox size limit exceeded", "mailbox_full", "mailbox full", false),
	},
	rejected: []reply{
		rep("550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c={rid} or report details to abuse@corp.mail.ru. Error code: {rid}. ID: {ts}.",
			"spam", "rejected as spam", true),
	},
}

var yandex = &family{
	name: "yandex",
	ok: []reply{
		rep("250 2.0.0 Ok: queued on mail-nwsmtp-mxfront-production-main-12.iva.yp-c.yandex.net {ts}-{rid}", "", "", false),
	},
	deferred: []reply{
		rep("451 4.7.1 Sorry, the service is currently unavailable. Please come back later. {ts}-{rid}", "server", "service unavailable", false),
	},
	bounced: []reply{
		rep("550 5.7.1 No such user!", "user_unknown", "mailbox does not exist", true),
		rep("552 5.2.2 Mailbox size limit exceeded", "mailbox_full", "mailbox full", false),
	},
	rejected: []reply{
		rep("554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc {ts}-{rid}", "spam", "rejected as spam", true),
	},
}

var unitedInternet = &family{
	name: "united-internet",
	ok: []reply{
		rep("250 Requested mail action okay, completed: id=1M{rid}", "", "", false),
	},
	deferred: []reply{
		rep("421-{domain} (mxgmx014) Nemesis ESMTP Service not available 421 Too many connections from your IP address. Please try again later.",
			"rate_limit", "too many connections from our IP", false),
	},
	bounced: []reply{
		rep("550 Requested action not taken: mailbox unavailable", "user_unknown", "mailbox unavailable", true),
		rep("552 Requested mail action aborted: exceeded storage allocation", "mailbox_full", "mailbox full", false),
	},
	rejected: []reply{
		rep("554-No SMTP service 554-Bad DNS PTR resource record. 554 For explanation visit https://postmaster.gmx.net/en/case?c=r0601&i=ip&v={ip}&r={rid}",
			"dns", "bad reverse DNS for sending IP", true),
	},
}

// generic answers for self-hosted servers (Postfix, Exim) and filtering
// gateways in front of corporate domains.
var generic = &family{
	name: "generic",
	ok: []reply{
		rep("250 2.0.0 Ok: queued as {rid}", "", "", false),
		rep("250 OK id=1r{rid}", "", "", false),
	},
	deferred: []reply{
		rep("450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{domain}.html", "greylist", "greylisted", false),
		rep("451 4.7.1 Greylisting in action, please come back later", "greylist", "greylisted", false),
		rep("452 4.2.2 <{rcpt}>: Mailbox is full, try again later", "mailbox_full", "mailbox full", false),
		rep("451 4.3.0 Temporary lookup failure", "server", "temporary lookup failure", false),
		connTimeout,
	},
	bounced: []reply{
		rep("550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table", "user_unknown", "mailbox does not exist", true),
		rep("550 5.1.1 <{rcpt}>... User unknown", "user_unknown", "mailbox does not exist", true),
		rep("552 5.2.2 <{rcpt}>: Recipient address rejected: Mailbox full", "mailbox_full", "mailbox full", false),
		rep("552 5.3.4 Message size exceeds fixed maximum message size", "message_too_large", "message too large", false),
		rep("550 5.1.2 <{rcpt}>: Recipient address rejected: Domain not found", "dns", "recipient domain not found", true),
	},
	rejected: []reply{
		spamhausBlock,
		// A misconfigured MX: the one reply here that rightly stays "other".
		rep("550 5.7.1 <{rcpt}>: Relay access denied", "policy", "relay access denied", true),
		rep("554 5.7.1 Message rejected because it was identified as spam", "spam", "rejected as spam", true),
	},
}
