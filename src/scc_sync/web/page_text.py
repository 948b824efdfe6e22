"""The words of the subscriber pages and of the sign-up mails: German by default, English on request.
(The digests' and reminders' words are `newsletter.mail_text`.)"""

from __future__ import annotations

from typing import Literal

from werkzeug import Request
from werkzeug.exceptions import HTTPException

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")
DEFAULT_LANG: Lang = "de"

STRINGS: dict[str, dict[str, str]] = {
    "de": {
        "lang_name": "Deutsch",
        "skip": "Zum Inhalt",
        "signup_title": "Newsletter abonnieren",
        "signup_intro": "Die wichtigsten Meldungen und Veranstaltungshinweise per E-Mail – täglich oder "
        "wöchentlich. Sie können sich jederzeit mit einem Klick wieder abmelden.",
        "email": "E-Mail-Adresse",
        "name": "Name (freiwillig)",
        "frequency": "Wie oft?",
        "daily": "täglich",
        "weekly": "wöchentlich",
        "language": "Sprache der E-Mails",
        "reminders": "Erinnerungen vor Veranstaltungen",
        "reminders_on": "Ja, an Veranstaltungen erinnern",
        "signup_button": "Abonnieren",
        "privacy": "Wir speichern Ihre Adresse, Ihre Einstellungen sowie Zeitpunkt und Herkunft Ihrer "
        "Anmeldung, um Ihnen den Newsletter zu senden. Ihre Anmeldung wird erst wirksam, wenn Sie den Link "
        "in der Bestätigungs-E-Mail öffnen.",
        "form_errors": "Bitte prüfen Sie die markierten Felder.",
        "error_email": "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de.",
        "error_name": "Der Name darf höchstens 100 Zeichen lang sein.",
        "error_choice": "Bitte wählen Sie eine der angebotenen Möglichkeiten.",
        "sent_title": "Fast geschafft: Bitte bestätigen Sie Ihre Adresse",
        "sent_body": "Wir haben eine E-Mail an {email} geschickt. Öffnen Sie den Link darin innerhalb von "
        "{days} Tagen, um Ihr Abonnement zu bestätigen.",
        "sent_next": "Keine E-Mail erhalten? Sehen Sie im Spam-Ordner nach oder melden Sie sich nach einigen "
        "Minuten erneut an.",
        "confirm_title": "Abonnement bestätigen",
        "confirm_body": "Bitte bestätigen Sie, dass Sie den Newsletter an diese Adresse erhalten möchten.",
        "confirm_button": "Ja, Abonnement bestätigen",
        "confirmed_title": "Ihr Abonnement ist bestätigt",
        "confirmed_body": "Vielen Dank! Sie erhalten den Newsletter ab jetzt {frequency}.",
        "confirmed_next": "Häufigkeit, Sprache und Erinnerungen können Sie jederzeit ändern.",
        "unsubscribe_title": "Vom Newsletter abmelden",
        "unsubscribe_body": "Möchten Sie keine E-Mails mehr von uns erhalten? Dann bestätigen Sie die "
        "Abmeldung mit dem Knopf.",
        "unsubscribe_button": "Abmelden",
        "unsubscribe_alternative": "Lieber seltener oder in einer anderen Sprache? Ändern Sie "
        "stattdessen Ihre Einstellungen.",
        "unsubscribed_title": "Sie sind abgemeldet",
        "unsubscribed_body": "Sie erhalten keine Newsletter und Erinnerungen mehr von uns.",
        "unsubscribed_next": "Versehentlich abgemeldet? Sie können sich jederzeit neu anmelden.",
        "preferences_title": "Einstellungen",
        "preferences_intro": "Hier legen Sie fest, wie Sie den Newsletter erhalten, an diese Adresse:",
        "preferences_button": "Speichern",
        "preferences_saved": "Ihre Einstellungen sind gespeichert.",
        "preferences_inactive": "Für diese Adresse ist zurzeit kein Abonnement aktiv. Melden Sie sich "
        "neu an, um den Newsletter wieder zu erhalten.",
        "to_preferences": "Einstellungen ändern",
        "to_signup": "Zur Anmeldung",
        "bad_link_title": "Dieser Link ist ungültig oder abgelaufen",
        "bad_link_body": "Der Link ist unvollständig, verändert worden oder nicht mehr gültig. "
        "Es wurde nichts geändert.",
        "bad_link_confirm": "Bestätigungslinks gelten {days} Tage. Melden Sie sich einfach erneut an, dann "
        "erhalten Sie einen neuen Link.",
        "bad_link_mail": "Nutzen Sie den Link aus der neuesten E-Mail, die Sie von uns erhalten haben. "
        "Kopieren Sie ihn vollständig, falls er in Ihrem E-Mail-Programm umgebrochen ist.",
        "csrf_title": "Das Formular ist abgelaufen",
        "csrf_body": "Aus Sicherheitsgründen gilt ein Formular nur eine begrenzte Zeit und nur mit dem "
        "Cookie, das diese Seite setzt. Es wurde nichts geändert. Laden Sie die Seite neu und senden Sie das "
        "Formular noch einmal; erlauben Sie dafür Cookies für diese Seite.",
        "reload": "Seite neu laden",
        "too_many_title": "Zu viele Anfragen",
        "too_many_body": "Von Ihrem Anschluss kamen in kurzer Zeit sehr viele Anmeldungen. Bitte warten "
        "Sie {minutes} Min. und versuchen Sie es dann noch einmal.",
        "too_large_title": "Die Anfrage ist zu groß",
        "too_large_body": "Die gesendeten Formulardaten sind größer als erlaubt. Bitte kürzen Sie Ihre "
        "Eingaben und versuchen Sie es erneut.",
        "not_found_title": "Seite nicht gefunden",
        "not_found_body": "Diese Adresse gibt es hier nicht. Prüfen Sie den Link oder gehen Sie zur "
        "Anmeldung.",
        "method_title": "Diese Aktion ist hier nicht möglich",
        "method_body": "Bitte nutzen Sie das Formular auf der Seite.",
        "server_error_title": "Ein Fehler ist aufgetreten",
        "server_error_body": "Auf unserer Seite ist etwas schiefgegangen. Bitte versuchen Sie es später noch "
        "einmal.",
        "imprint": "Impressum",
        "privacy_policy": "Datenschutz",
        # the mails
        "mail_greeting": "Guten Tag,",
        "mail_greeting_named": "Hallo {name},",
        "confirm_mail_subject": "Bitte bestätigen Sie Ihr Abonnement: {list}",
        "confirm_mail_body": "jemand – hoffentlich Sie – hat diese Adresse für den Newsletter „{list}“ "
        "angemeldet ({frequency}). Bitte bestätigen Sie das mit einem Klick auf diesen Link:",
        "confirm_mail_action": "Abonnement bestätigen",
        "confirm_mail_expiry": "Der Link gilt bis {until}.",
        "known_mail_subject": "Sie haben {list} bereits abonniert",
        "known_mail_body": "für diese Adresse wurde eine Anmeldung zum Newsletter „{list}“ angefordert. Sie "
        "sind bereits angemeldet; es hat sich nichts geändert. Ihre Einstellungen können Sie hier ändern:",
        "known_mail_unsubscribe": "Abmelden: {url}",
        "mail_ignore": "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail einfach. "
        "Sie erhalten dann keine weiteren Nachrichten von uns.",
    },
    "en": {
        "lang_name": "English",
        "skip": "Skip to content",
        "signup_title": "Subscribe to the newsletter",
        "signup_intro": "The main news and event reminders by email – daily or weekly. You can unsubscribe "
        "with one click at any time.",
        "email": "Email address",
        "name": "Name (optional)",
        "frequency": "How often?",
        "daily": "daily",
        "weekly": "weekly",
        "language": "Language of the emails",
        "reminders": "Reminders before events",
        "reminders_on": "Yes, remind me of events",
        "signup_button": "Subscribe",
        "privacy": "We store your address, your settings and when and where you signed up, to send you the "
        "newsletter. Your subscription only starts once you open the link in the confirmation email.",
        "form_errors": "Please check the marked fields.",
        "error_email": "Please enter a valid email address, e.g. name@example.org.",
        "error_name": "The name may be at most 100 characters long.",
        "error_choice": "Please choose one of the options offered.",
        "sent_title": "Almost done: please confirm your address",
        "sent_body": "We have sent an email to {email}. Open the link in it within {days} days to confirm "
        "your subscription.",
        "sent_next": "No email? Check your spam folder, or sign up again in a few minutes.",
        "confirm_title": "Confirm your subscription",
        "confirm_body": "Please confirm that you want to receive the newsletter at this address.",
        "confirm_button": "Yes, confirm my subscription",
        "confirmed_title": "Your subscription is confirmed",
        "confirmed_body": "Thank you! From now on you will receive the newsletter {frequency}.",
        "confirmed_next": "You can change frequency, language and reminders at any time.",
        "unsubscribe_title": "Unsubscribe from the newsletter",
        "unsubscribe_body": "Don't want any more emails from us? Confirm with the button.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribe_alternative": "Rather fewer emails, or another language? Change your settings instead.",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_body": "You will not receive any more newsletters or reminders from us.",
        "unsubscribed_next": "Unsubscribed by mistake? You can sign up again at any time.",
        "preferences_title": "Settings",
        "preferences_intro": "Choose how you receive the newsletter at this address:",
        "preferences_button": "Save",
        "preferences_saved": "Your settings are saved.",
        "preferences_inactive": "There is no active subscription for this address right now. Sign up again "
        "to receive the newsletter.",
        "to_preferences": "Change settings",
        "to_signup": "Go to sign-up",
        "bad_link_title": "This link is invalid or has expired",
        "bad_link_body": "The link is incomplete, was changed, or is no longer valid. Nothing was changed.",
        "bad_link_confirm": "Confirmation links are valid for {days} days. Simply sign up again to get a "
        "new link.",
        "bad_link_mail": "Use the link from the most recent email you received from us. Copy it completely "
        "if your email program wrapped it.",
        "csrf_title": "The form has expired",
        "csrf_body": "For your security a form is only valid for a limited time and only with the cookie "
        "this site sets. Nothing was changed. Reload the page and send the form again; please allow "
        "cookies for this site.",
        "reload": "Reload the page",
        "too_many_title": "Too many requests",
        "too_many_body": "Your connection sent very many sign-ups in a short time. Please wait {minutes} "
        "min and try again.",
        "too_large_title": "The request is too large",
        "too_large_body": "The form data you sent is larger than allowed. Please shorten your input and try "
        "again.",
        "not_found_title": "Page not found",
        "not_found_body": "This address does not exist here. Check the link or go to the sign-up page.",
        "method_title": "This action is not possible here",
        "method_body": "Please use the form on the page.",
        "server_error_title": "Something went wrong",
        "server_error_body": "Something went wrong on our side. Please try again later.",
        "imprint": "Legal notice",
        "privacy_policy": "Privacy policy",
        "mail_greeting": "Hello,",
        "mail_greeting_named": "Hello {name},",
        "confirm_mail_subject": "Please confirm your subscription: {list}",
        "confirm_mail_body": "someone – hopefully you – signed this address up for the newsletter “{list}” "
        "({frequency}). Please confirm with a click on this link:",
        "confirm_mail_action": "Confirm subscription",
        "confirm_mail_expiry": "The link is valid until {until}.",
        "known_mail_subject": "You are already subscribed to {list}",
        "known_mail_body": "a subscription to the newsletter “{list}” was requested for this address. "
        "You are already subscribed; nothing has changed. You can change your settings here:",
        "known_mail_unsubscribe": "Unsubscribe: {url}",
        "mail_ignore": "If you did not ask for this, simply ignore this email. You will not hear from us "
        "again.",
    },
}


def strings(lang: str) -> dict[str, str]:
    return STRINGS.get(lang, STRINGS[DEFAULT_LANG])


def page_language(request: Request, chosen: str | None = None) -> Lang:
    """`?lang=` (the switch on every page and the links in mails), else a `lang` form field, else `chosen`
    (the language the subscriber of a link chose), else Accept-Language, else German."""
    for value in (request.args.get("lang"), _form_lang(request), chosen):
        if value in LANGS:
            return value
    best = request.accept_languages.best_match(LANGS)
    return best if best in LANGS else DEFAULT_LANG


def _form_lang(request: Request) -> str | None:
    # Only forms we parse anyway; never read a body just to pick a language.
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return None
    try:
        return request.form.get("lang")
    except HTTPException:  # a body too large: the error page still needs a language
        return None
