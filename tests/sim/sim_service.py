"""State and the 30 operations of the simulated Pinpoint Email service."""

import base64
import bisect
import email.message
import email.policy
import email.utils
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import threading
import time
import uuid

from sim_model import ApiError, bad_request, not_found

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TAG_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")

SEEDED_IPS = ("192.0.2.10", "192.0.2.11", "192.0.2.12")
SANDBOX_QUOTA = (200.0, 1.0)
PRODUCTION_QUOTA = (50000.0, 14.0)
MAX_RECIPIENTS = 50
MAX_RAW_BYTES = 10 * 1024 * 1024
MAX_LINE = 1000
LIMITS = {"configuration_sets": 10000, "pools": 50, "identities": 10000, "event_destinations": 10}
TOO_MANY = "There are too many instances of the specified resource type."
DAY = 24 * 3600


def initial_state():
    return {
        "version": 1,
        "token_key": secrets.token_hex(16),
        "account": {
            "SendingEnabled": True,
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": False,
            "Max24HourSend": SANDBOX_QUOTA[0],
            "MaxSendRate": SANDBOX_QUOTA[1],
            "Sent": [],
        },
        "identities": {},
        "configuration_sets": {},
        "pools": {},
        "dedicated_ips": {ip: {"WarmupStatus": "DONE", "WarmupPercentage": 100} for ip in SEEDED_IPS},
    }


def is_domain(name):
    labels = name.split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(LABEL_RE.match(x) for x in labels) \
        and not labels[-1].isdigit()


def is_email(address):
    local, at, domain = address.rpartition("@")
    return bool(at) and bool(LOCAL_RE.match(local)) and is_domain(domain)


def check_name(kind, name):
    if not NAME_RE.match(name or ""):
        raise bad_request("Invalid %s name '%s': it can contain only ASCII letters, numbers, "
                          "underscores and dashes, and no more than 64 characters." % (kind, name))


def check_tags(tags):
    for tag in tags or []:
        if not 1 <= len(tag["Key"]) <= 128 or len(tag["Value"]) > 256:
            raise bad_request("Invalid tag '%s': keys have 1 to 128 characters, values at most 256."
                              % tag["Key"])


def domain_of(address):
    return address.rpartition("@")[2].lower()


def atomic_write(path, data):
    """Write data to path so that a kill at any moment leaves the old or the new file."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, ".%s.tmp" % os.path.basename(path))
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Service:
    """In-memory state, optionally backed by a JSON file, and the operation handlers."""

    def __init__(self, region="us-east-1", state_file=None, outbox=None, clock=time.time,
                 auto_verify=False):
        self.region = region
        self.state_file = state_file
        self.outbox = outbox
        self.clock = clock
        self.auto_verify = auto_verify
        self.lock = threading.RLock()
        self.state = None
        if state_file and os.path.exists(state_file):
            with open(state_file, "rb") as handle:
                self.state = json.load(handle)
        if self.state is None:
            self.state = initial_state()
            self.save()

    # ----- persistence -------------------------------------------------
    def save(self):
        if self.state_file:
            atomic_write(self.state_file, json.dumps(self.state, indent=1, sort_keys=True).encode())

    def reset(self):
        with self.lock:
            self.state = initial_state()
            self.save()

    # ----- lookups -------------------------------------------------------
    def _get(self, table, key, what):
        item = self.state[table].get(key)
        if item is None:
            raise not_found("%s %s does not exist." % (what, key))
        return item

    def config_set(self, name):
        return self._get("configuration_sets", name, "Configuration set")

    def identity(self, name):
        return self._get("identities", name, "Email identity")

    def dedicated_ip(self, ip):
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            raise bad_request("Invalid IP address: %s" % ip)
        return self._get("dedicated_ips", ip, "Dedicated IP")

    def pool(self, name):
        return self._get("pools", name, "Dedicated IP pool")

    def _create(self, table, key, value, what):
        items = self.state[table]
        if key in items:
            raise ApiError("AlreadyExistsException", "%s %s already exists." % (what, key))
        if len(items) >= LIMITS[table]:
            raise ApiError("LimitExceededException", TOO_MANY)
        items[key] = value

    # ----- pagination ----------------------------------------------------
    def _token(self, kind, after):
        payload = json.dumps({"k": kind, "a": after}, separators=(",", ":")).encode()
        mac = hmac.new(self.state["token_key"].encode(), payload, hashlib.sha256).digest()[:12]
        return base64.b64encode(mac + payload).decode()

    def _untoken(self, kind, token):
        try:
            raw = base64.b64decode(token, validate=True)
            mac, payload = raw[:12], raw[12:]
            good = hmac.new(self.state["token_key"].encode(), payload, hashlib.sha256).digest()[:12]
            doc = json.loads(payload)
            if hmac.compare_digest(mac, good) and doc["k"] == kind:
                return doc["a"]
        except (ValueError, KeyError, TypeError):
            pass
        raise bad_request("Invalid NextToken.")

    def page(self, kind, keys, params, smallest=1, default=100):
        """One page of sorted keys and the NextToken for the rest (or None)."""
        size = params.get("PageSize", default)
        if not smallest <= size <= 1000:
            raise bad_request("PageSize must be between %d and 1000." % smallest)
        size = size or default
        keys = sorted(keys)
        start = 0
        if params.get("NextToken"):
            start = bisect.bisect_right(keys, self._untoken(kind, params["NextToken"]))
        chunk = keys[start:start + size]
        more = start + size < len(keys)
        return chunk, (self._token(kind, chunk[-1]) if more else None)

    @staticmethod
    def paged(result_key, items, token):
        out = {result_key: items}
        if token:
            out["NextToken"] = token
        return out

    # ----- account -------------------------------------------------------
    def sent_last_24h(self):
        now = self.clock()
        account = self.state["account"]
        account["Sent"] = [s for s in account["Sent"] if now - s[0] < DAY]
        return float(sum(count for _, count in account["Sent"]))

    def get_account(self, p):
        a = self.state["account"]
        return {
            "SendQuota": {"Max24HourSend": a["Max24HourSend"], "MaxSendRate": a["MaxSendRate"],
                          "SentLast24Hours": self.sent_last_24h()},
            "SendingEnabled": a["SendingEnabled"],
            "DedicatedIpAutoWarmupEnabled": a["DedicatedIpAutoWarmupEnabled"],
            "EnforcementStatus": a["EnforcementStatus"],
            "ProductionAccessEnabled": a["ProductionAccessEnabled"],
        }

    def put_account_dedicated_ip_warmup_attributes(self, p):
        self.state["account"]["DedicatedIpAutoWarmupEnabled"] = p.get("AutoWarmupEnabled", False)
        return {}

    def put_account_sending_attributes(self, p):
        self.state["account"]["SendingEnabled"] = p.get("SendingEnabled", False)
        return {}

    def set_account(self, changes):
        """Control: production access, enforcement status, quota, sent counter."""
        a = self.state["account"]
        if "ProductionAccessEnabled" in changes:
            a["ProductionAccessEnabled"] = bool(changes["ProductionAccessEnabled"])
            a["Max24HourSend"], a["MaxSendRate"] = (
                PRODUCTION_QUOTA if a["ProductionAccessEnabled"] else SANDBOX_QUOTA)
        for key in ("EnforcementStatus", "Max24HourSend", "MaxSendRate", "SendingEnabled"):
            if key in changes:
                a[key] = changes[key]
        if changes.get("ResetSent"):
            a["Sent"] = []
        return self.get_account({})

    # ----- identities ----------------------------------------------------
    def create_email_identity(self, p):
        name = p["EmailIdentity"]
        if is_email(name):
            kind = "EMAIL_ADDRESS"
            dkim = {"SigningEnabled": False, "Status": "NOT_STARTED", "Tokens": []}
        elif is_domain(name):
            kind = "DOMAIN"
            dkim = {"SigningEnabled": True, "Status": "PENDING",
                    "Tokens": [secrets.token_hex(16) for _ in range(3)]}
        else:
            raise bad_request("Invalid email identity '%s': it must be an email address or a domain." % name)
        check_tags(p.get("Tags"))
        item = {"IdentityType": kind, "VerifiedForSendingStatus": False, "FeedbackForwardingStatus": True,
                "DkimAttributes": dkim, "Tags": p.get("Tags", [])}
        self._create("identities", name, item, "Email identity")
        if self.auto_verify:
            self.verify_identity(name, "SUCCESS")
        return {k: item[k] for k in ("IdentityType", "VerifiedForSendingStatus", "DkimAttributes")}

    def get_email_identity(self, p):
        return dict(self.identity(p["EmailIdentity"]))

    def delete_email_identity(self, p):
        self.identity(p["EmailIdentity"])
        del self.state["identities"][p["EmailIdentity"]]
        return {}

    def list_email_identities(self, p):
        ids = self.state["identities"]
        names, token = self.page("identities", ids, p, smallest=0)
        infos = [{"IdentityType": ids[n]["IdentityType"], "IdentityName": n,
                  "SendingEnabled": ids[n]["VerifiedForSendingStatus"]} for n in names]
        return self.paged("EmailIdentities", infos, token)

    def put_email_identity_dkim_attributes(self, p):
        self.identity(p["EmailIdentity"])["DkimAttributes"]["SigningEnabled"] = p.get("SigningEnabled", False)
        return {}

    def put_email_identity_feedback_attributes(self, p):
        self.identity(p["EmailIdentity"])["FeedbackForwardingStatus"] = p.get("EmailForwardingEnabled", False)
        return {}

    def put_email_identity_mail_from_attributes(self, p):
        name = p["EmailIdentity"]
        item = self.identity(name)
        domain = p.get("MailFromDomain")
        if not domain:
            item.pop("MailFromAttributes", None)
            return {}
        parent = domain_of(name)
        if not is_domain(domain) or not domain.lower().endswith("." + parent):
            raise bad_request("Invalid MAIL FROM domain '%s': it must be a subdomain of %s." % (domain, parent))
        item["MailFromAttributes"] = {"MailFromDomain": domain, "MailFromDomainStatus": "PENDING",
                                      "BehaviorOnMxFailure": p.get("BehaviorOnMxFailure", "USE_DEFAULT_VALUE")}
        return {}

    def verify_identity(self, name, status="SUCCESS"):
        """Control: finish (or fail) the verification of an identity."""
        item = self.identity(name)
        item["VerifiedForSendingStatus"] = status == "SUCCESS"
        if item["IdentityType"] == "DOMAIN":
            item["DkimAttributes"]["Status"] = status
        if "MailFromAttributes" in item:
            item["MailFromAttributes"]["MailFromDomainStatus"] = status
        return self.get_email_identity({"EmailIdentity": name})

    def is_verified(self, address):
        ids = self.state["identities"]
        for name in (address, domain_of(address)):
            for key in (k for k in ids if k.lower() == name.lower()):
                if ids[key]["VerifiedForSendingStatus"]:
                    return True
        return False

    # ----- configuration sets --------------------------------------------
    def _check_options(self, p):
        if p.get("SendingPoolName") is not None:
            self.pool(p["SendingPoolName"])
        if p.get("CustomRedirectDomain") is not None and not is_domain(p["CustomRedirectDomain"]):
            raise bad_request("Invalid custom redirect domain '%s'." % p["CustomRedirectDomain"])

    def create_configuration_set(self, p):
        name = p["ConfigurationSetName"]
        check_name("configuration set", name)
        check_tags(p.get("Tags"))
        delivery = p.get("DeliveryOptions", {})
        tracking = p.get("TrackingOptions")
        self._check_options(dict(delivery, **(tracking or {})))
        item = {
            "DeliveryOptions": dict({"TlsPolicy": "OPTIONAL"}, **delivery),
            "ReputationOptions": dict({"ReputationMetricsEnabled": False}, **p.get("ReputationOptions", {})),
            "SendingOptions": dict({"SendingEnabled": True}, **p.get("SendingOptions", {})),
            "Tags": p.get("Tags", []),
            "EventDestinations": {},
        }
        if tracking:
            item["TrackingOptions"] = tracking
        self._create("configuration_sets", name, item, "Configuration set")
        return {}

    def get_configuration_set(self, p):
        item = self.config_set(p["ConfigurationSetName"])
        out = {k: v for k, v in item.items() if k != "EventDestinations"}
        out["ConfigurationSetName"] = p["ConfigurationSetName"]
        return out

    def delete_configuration_set(self, p):
        self.config_set(p["ConfigurationSetName"])
        del self.state["configuration_sets"][p["ConfigurationSetName"]]
        return {}

    def list_configuration_sets(self, p):
        names, token = self.page("configuration_sets", self.state["configuration_sets"], p)
        return self.paged("ConfigurationSets", names, token)

    def put_configuration_set_delivery_options(self, p):
        item = self.config_set(p["ConfigurationSetName"])
        self._check_options(p)
        item["DeliveryOptions"] = {k: p[k] for k in ("TlsPolicy", "SendingPoolName") if k in p}
        item["DeliveryOptions"].setdefault("TlsPolicy", "OPTIONAL")
        return {}

    def put_configuration_set_reputation_options(self, p):
        item = self.config_set(p["ConfigurationSetName"])
        item["ReputationOptions"]["ReputationMetricsEnabled"] = p.get("ReputationMetricsEnabled", False)
        return {}

    def put_configuration_set_sending_options(self, p):
        self.config_set(p["ConfigurationSetName"])["SendingOptions"] = {
            "SendingEnabled": p.get("SendingEnabled", False)}
        return {}

    def put_configuration_set_tracking_options(self, p):
        item = self.config_set(p["ConfigurationSetName"])
        self._check_options(p)
        if p.get("CustomRedirectDomain"):
            item["TrackingOptions"] = {"CustomRedirectDomain": p["CustomRedirectDomain"]}
        else:
            item.pop("TrackingOptions", None)
        return {}

    # ----- event destinations --------------------------------------------
    @staticmethod
    def _check_destination(definition):
        kinds = [k for k in ("KinesisFirehoseDestination", "CloudWatchDestination", "SnsDestination",
                             "PinpointDestination") if k in definition]
        if len(kinds) != 1:
            raise bad_request("An event destination must have exactly one of KinesisFirehoseDestination, "
                              "CloudWatchDestination, SnsDestination or PinpointDestination.")
        if not definition.get("MatchingEventTypes"):
            raise bad_request("An event destination must match at least one event type.")
        for dim in definition.get("CloudWatchDestination", {}).get("DimensionConfigurations", []):
            check_name("dimension", dim["DimensionName"])
        return dict({"Enabled": False}, **definition)

    def create_configuration_set_event_destination(self, p):
        dests = self.config_set(p["ConfigurationSetName"])["EventDestinations"]
        name = p["EventDestinationName"]
        check_name("event destination", name)
        definition = self._check_destination(p["EventDestination"])
        if name in dests:
            raise ApiError("AlreadyExistsException", "Event destination %s already exists." % name)
        if len(dests) >= LIMITS["event_destinations"]:
            raise ApiError("LimitExceededException", TOO_MANY)
        dests[name] = definition
        return {}

    def _destinations(self, p):
        dests = self.config_set(p["ConfigurationSetName"])["EventDestinations"]
        if p["EventDestinationName"] not in dests:
            raise not_found("Event destination %s does not exist." % p["EventDestinationName"])
        return dests

    def update_configuration_set_event_destination(self, p):
        dests = self._destinations(p)
        dests[p["EventDestinationName"]] = self._check_destination(p["EventDestination"])
        return {}

    def delete_configuration_set_event_destination(self, p):
        del self._destinations(p)[p["EventDestinationName"]]
        return {}

    def get_configuration_set_event_destinations(self, p):
        dests = self.config_set(p["ConfigurationSetName"])["EventDestinations"]
        return {"EventDestinations": [dict(d, Name=n) for n, d in dests.items()]}

    # ----- dedicated IPs and pools ---------------------------------------
    def create_dedicated_ip_pool(self, p):
        check_name("dedicated IP pool", p["PoolName"])
        check_tags(p.get("Tags"))
        self._create("pools", p["PoolName"], {"Tags": p.get("Tags", [])}, "Dedicated IP pool")
        return {}

    def delete_dedicated_ip_pool(self, p):
        self.pool(p["PoolName"])
        del self.state["pools"][p["PoolName"]]
        for ip in self.state["dedicated_ips"].values():
            if ip.get("PoolName") == p["PoolName"]:
                del ip["PoolName"]
        return {}

    def list_dedicated_ip_pools(self, p):
        names, token = self.page("pools", self.state["pools"], p)
        return self.paged("DedicatedIpPools", names, token)

    def _ip_view(self, ip):
        return dict(self.state["dedicated_ips"][ip], Ip=ip)

    def get_dedicated_ip(self, p):
        self.dedicated_ip(p["Ip"])
        return {"DedicatedIp": self._ip_view(p["Ip"])}

    def get_dedicated_ips(self, p):
        ips = self.state["dedicated_ips"]
        if p.get("PoolName") is not None:
            self.pool(p["PoolName"])
            ips = {k: v for k, v in ips.items() if v.get("PoolName") == p["PoolName"]}
        chosen, token = self.page("dedicated_ips", ips, p)
        return self.paged("DedicatedIps", [self._ip_view(ip) for ip in chosen], token)

    def put_dedicated_ip_in_pool(self, p):
        item = self.dedicated_ip(p["Ip"])
        self.pool(p["DestinationPoolName"])
        item["PoolName"] = p["DestinationPoolName"]
        return {}

    def put_dedicated_ip_warmup_attributes(self, p):
        item = self.dedicated_ip(p["Ip"])
        percent = p["WarmupPercentage"]
        if not 0 <= percent <= 100:
            raise bad_request("WarmupPercentage must be between 0 and 100.")
        item["WarmupPercentage"] = percent
        item["WarmupStatus"] = "DONE" if percent == 100 else "IN_PROGRESS"
        return {}

    # ----- sending -------------------------------------------------------
    def send_email(self, p):
        account = self.state["account"]
        config = None
        if p.get("ConfigurationSetName") is not None:
            config = self.config_set(p["ConfigurationSetName"])
        if account["EnforcementStatus"] == "SHUTDOWN":
            raise ApiError("AccountSuspendedException", "The message can't be sent because the account's "
                           "ability to send email has been permanently restricted.")
        if not account["SendingEnabled"]:
            raise ApiError("SendingPausedException", "The message can't be sent because the account's "
                           "ability to send email is currently paused.")
        if config and not config["SendingOptions"]["SendingEnabled"]:
            raise ApiError("SendingPausedException", "The message can't be sent because sending is paused "
                           "for the configuration set %s." % p["ConfigurationSetName"])
        for tag in p.get("EmailTags", []):
            if not TAG_RE.match(tag["Name"]) or not TAG_RE.match(tag["Value"]):
                raise bad_request("Invalid message tag %s=%s: names and values can contain only ASCII "
                                  "letters, numbers, underscores and dashes, and at most 256 characters."
                                  % (tag["Name"], tag["Value"]))
        content = p["Content"]
        kinds = [k for k in ("Simple", "Raw", "Template") if k in content]
        if len(kinds) != 1:
            raise bad_request("Content must contain exactly one of Simple, Raw or Template.")
        if kinds[0] == "Template":
            raise bad_request("Template content is not supported by this API version.")
        dest = p["Destination"]
        if kinds[0] == "Raw":
            sender, recipients, data = self._raw_message(p, content["Raw"]["Data"])
        else:
            sender, recipients = p.get("FromEmailAddress"), [a for k in ("ToAddresses", "CcAddresses",
                                                                         "BccAddresses")
                                                             for a in dest.get(k, [])]
            if not sender:
                raise bad_request("Missing required parameter FromEmailAddress.")
            data = None
        sender_addr = self._address(sender)
        addrs = [self._address(a) for a in recipients]
        for reply_to in p.get("ReplyToAddresses", []):
            self._address(reply_to)
        if not addrs:
            raise bad_request("The message must have at least one recipient.")
        if len(addrs) > MAX_RECIPIENTS:
            raise bad_request("Recipient count exceeds %d." % MAX_RECIPIENTS)
        checked = [sender_addr] + ([] if account["ProductionAccessEnabled"] else addrs)
        failed = [a for a in dict.fromkeys(checked) if not self.is_verified(a)]
        if failed:
            raise ApiError("MessageRejected", "Email address is not verified. The following identities failed "
                           "the check in region %s: %s" % (self.region.upper(), ", ".join(failed)))
        self._check_mail_from(sender_addr)
        if self.sent_last_24h() + len(addrs) > account["Max24HourSend"]:
            raise ApiError("LimitExceededException", "Daily message quota exceeded.")
        message_id = "%016x-%s-000000" % (int(self.clock() * 1000), uuid.uuid4())
        if data is None:
            data = self._render(p, message_id)
        self._deliver(message_id, data, p, sender_addr, addrs)
        account["Sent"].append([self.clock(), len(addrs)])
        return {"MessageId": message_id}

    @staticmethod
    def _address(text):
        name, addr = email.utils.parseaddr(text)
        if not addr or not is_email(addr):
            raise bad_request("Illegal address: %s" % text)
        return addr

    def _check_mail_from(self, sender):
        for name in (sender, domain_of(sender)):
            attrs = self.state["identities"].get(name, {}).get("MailFromAttributes")
            if attrs and attrs["MailFromDomainStatus"] != "SUCCESS" \
                    and attrs["BehaviorOnMxFailure"] == "REJECT_MESSAGE":
                raise ApiError("MailFromDomainNotVerifiedException", "The message can't be sent because the "
                               "MAIL FROM domain %s isn't verified." % attrs["MailFromDomain"])

    @staticmethod
    def _raw_message(p, data):
        if len(data) > MAX_RAW_BYTES:
            raise ApiError("MessageRejected", "Message length is more than %d bytes long: '%d'."
                           % (MAX_RAW_BYTES, len(data)))
        head, sep, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
        if not sep or not head.strip() or b":" not in head.split(b"\n")[0] or not body.strip():
            raise ApiError("MessageRejected", "The raw message must have headers and a body, "
                           "separated by an empty line.")
        if any(len(line.rstrip(b"\r")) > MAX_LINE for line in data.split(b"\n")):
            raise ApiError("MessageRejected", "A line of the message is longer than %d characters." % MAX_LINE)
        parsed = email.message_from_bytes(data, policy=email.policy.compat32)
        dest = p["Destination"]
        recipients = [a for k in ("ToAddresses", "CcAddresses", "BccAddresses") for a in dest.get(k, [])]
        if not recipients:
            recipients = [a for _, a in email.utils.getaddresses(
                parsed.get_all("To", []) + parsed.get_all("Cc", []) + parsed.get_all("Bcc", []))]
        sender = p.get("FromEmailAddress") or parsed.get("From")
        if not sender:
            raise ApiError("MessageRejected", "Missing required header 'From'.")
        return sender, recipients, data

    def _render(self, p, message_id):
        simple = p["Content"]["Simple"]
        body = simple["Body"]
        if "Text" not in body and "Html" not in body:
            raise bad_request("The message body must contain Text, Html or both.")
        msg = email.message.EmailMessage(policy=email.policy.SMTP)
        msg["From"] = p["FromEmailAddress"]
        dest = p["Destination"]
        for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
            if dest.get(key):
                msg[header] = ", ".join(dest[key])
        if p.get("ReplyToAddresses"):
            msg["Reply-To"] = ", ".join(p["ReplyToAddresses"])
        msg["Subject"] = simple["Subject"]["Data"]
        msg["Date"] = email.utils.formatdate(self.clock(), usegmt=True)
        msg["Message-ID"] = "<%s@%s.amazonses.com>" % (message_id, self.region)
        parts = [(body[k], sub) for k, sub in (("Text", "plain"), ("Html", "html")) if k in body]
        for index, (part, subtype) in enumerate(parts):
            charset = part.get("Charset") or "utf-8"
            try:
                "".encode(charset)
            except LookupError:
                raise bad_request("Unknown charset %s." % charset)
            adder = msg.set_content if index == 0 else msg.add_alternative
            adder(part["Data"], subtype=subtype, charset=charset)
        return msg.as_bytes()

    def _deliver(self, message_id, data, p, sender, recipients):
        if not self.outbox:
            return
        os.makedirs(self.outbox, exist_ok=True)
        envelope = {"MessageId": message_id, "From": sender, "Recipients": recipients,
                    "ConfigurationSetName": p.get("ConfigurationSetName"),
                    "EmailTags": p.get("EmailTags", []), "Timestamp": self.clock()}
        atomic_write(os.path.join(self.outbox, message_id + ".json"), json.dumps(envelope, indent=1).encode())
        atomic_write(os.path.join(self.outbox, message_id + ".eml"), data)


# The 30 operations: name, method, path template (labels in braces), handler.
OPERATIONS = [
    ("CreateConfigurationSet", "POST", "/v1/email/configuration-sets", Service.create_configuration_set),
    ("CreateConfigurationSetEventDestination", "POST",
     "/v1/email/configuration-sets/{ConfigurationSetName}/event-destinations",
     Service.create_configuration_set_event_destination),
    ("CreateDedicatedIpPool", "POST", "/v1/email/dedicated-ip-pools", Service.create_dedicated_ip_pool),
    ("CreateEmailIdentity", "POST", "/v1/email/identities", Service.create_email_identity),
    ("DeleteConfigurationSet", "DELETE", "/v1/email/configuration-sets/{ConfigurationSetName}",
     Service.delete_configuration_set),
    ("DeleteConfigurationSetEventDestination", "DELETE",
     "/v1/email/configuration-sets/{ConfigurationSetName}/event-destinations/{EventDestinationName}",
     Service.delete_configuration_set_event_destination),
    ("DeleteDedicatedIpPool", "DELETE", "/v1/email/dedicated-ip-pools/{PoolName}",
     Service.delete_dedicated_ip_pool),
    ("DeleteEmailIdentity", "DELETE", "/v1/email/identities/{EmailIdentity}", Service.delete_email_identity),
    ("GetAccount", "GET", "/v1/email/account", Service.get_account),
    ("GetConfigurationSet", "GET", "/v1/email/configuration-sets/{ConfigurationSetName}",
     Service.get_configuration_set),
    ("GetConfigurationSetEventDestinations", "GET",
     "/v1/email/configuration-sets/{ConfigurationSetName}/event-destinations",
     Service.get_configuration_set_event_destinations),
    ("GetDedicatedIp", "GET", "/v1/email/dedicated-ips/{IP}", Service.get_dedicated_ip),
    ("GetDedicatedIps", "GET", "/v1/email/dedicated-ips", Service.get_dedicated_ips),
    ("GetEmailIdentity", "GET", "/v1/email/identities/{EmailIdentity}", Service.get_email_identity),
    ("ListConfigurationSets", "GET", "/v1/email/configuration-sets", Service.list_configuration_sets),
    ("ListDedicatedIpPools", "GET", "/v1/email/dedicated-ip-pools", Service.list_dedicated_ip_pools),
    ("ListEmailIdentities", "GET", "/v1/email/identities", Service.list_email_identities),
    ("PutAccountDedicatedIpWarmupAttributes", "PUT", "/v1/email/account/dedicated-ips/warmup",
     Service.put_account_dedicated_ip_warmup_attributes),
    ("PutAccountSendingAttributes", "PUT", "/v1/email/account/sending", Service.put_account_sending_attributes),
    ("PutConfigurationSetDeliveryOptions", "PUT",
     "/v1/email/configuration-sets/{ConfigurationSetName}/delivery-options",
     Service.put_configuration_set_delivery_options),
    ("PutConfigurationSetReputationOptions", "PUT",
     "/v1/email/configuration-sets/{ConfigurationSetName}/reputation-options",
     Service.put_configuration_set_reputation_options),
    ("PutConfigurationSetSendingOptions", "PUT", "/v1/email/configuration-sets/{ConfigurationSetName}/sending",
     Service.put_configuration_set_sending_options),
    ("PutConfigurationSetTrackingOptions", "PUT",
     "/v1/email/configuration-sets/{ConfigurationSetName}/tracking-options",
     Service.put_configuration_set_tracking_options),
    ("PutDedicatedIpInPool", "PUT", "/v1/email/dedicated-ips/{IP}/pool", Service.put_dedicated_ip_in_pool),
    ("PutDedicatedIpWarmupAttributes", "PUT", "/v1/email/dedicated-ips/{IP}/warmup",
     Service.put_dedicated_ip_warmup_attributes),
    ("PutEmailIdentityDkimAttributes", "PUT", "/v1/email/identities/{EmailIdentity}/dkim",
     Service.put_email_identity_dkim_attributes),
    ("PutEmailIdentityFeedbackAttributes", "PUT", "/v1/email/identities/{EmailIdentity}/feedback",
     Service.put_email_identity_feedback_attributes),
    ("PutEmailIdentityMailFromAttributes", "PUT", "/v1/email/identities/{EmailIdentity}/mail-from",
     Service.put_email_identity_mail_from_attributes),
    ("SendEmail", "POST", "/v1/email/outbound-emails", Service.send_email),
    ("UpdateConfigurationSetEventDestination", "PUT",
     "/v1/email/configuration-sets/{ConfigurationSetName}/event-destinations/{EventDestinationName}",
     Service.update_configuration_set_event_destination),
]


def compile_route(template):
    """'/a/{X}/b' -> regex matching the raw (still percent-encoded) path, one segment per label."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile("^" + pattern + "$")


ROUTES = [(name, method, compile_route(path), handler) for name, method, path, handler in OPERATIONS]


def route(method, path):
    """(operation name, labels, handler) for a request, or an ApiError."""
    for name, verb, regex, handler in ROUTES:
        match = regex.match(path)
        if match and verb == method:
            return name, match.groupdict(), handler
    raise ApiError("UnknownOperationException", "No operation matches %s %s." % (method, path))
