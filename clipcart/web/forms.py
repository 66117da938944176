"""Forms of the pages. They parse what a browser sends (text to numbers, files) and nothing
more: every business rule (price > 0, quantity 1–99, stock, handling days) lives in the
services, whose errors `ServiceForm.submit` puts back on the field they blame."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.template.defaultfilters import pluralize

from clipcart.accounts import selectors as account_selectors
from clipcart.core.errors import DomainError
from clipcart.core.money import CURRENCIES

TEST_CARDS = [
    ("tok_visa", "Test card (succeeds)"),
    ("tok_chargeDeclined", "Test card (declined)"),
]
MAX_IMAGES = 8
VARIANT_ROWS = 4


class ServiceForm(forms.Form):
    """A form whose valid data is handed to one service call.

    After `submit`, `status` is the HTTP status to answer with (200, or 422 for input the form
    could not parse, or the status of the service's DomainError) and `result` what the service
    returned."""

    status = 200
    result: Any = None
    # Service field names that this form calls by another name.
    field_aliases: dict[str, str] = {}

    def submit(self, action: Callable[[dict], Any]) -> bool:
        if not self.is_valid():
            self.status = 422
            return False
        try:
            self.result = action(self.cleaned_data)
        except DomainError as error:
            self.show_error(error)
            return False
        return True

    def show_error(self, error: DomainError) -> None:
        # Services name fields by their API path ("shipping_address.city", "variants.price");
        # the last part is the form field when the form has one.
        name = (error.field or "").rsplit(".", 1)[-1]
        name = self.field_aliases.get(name, name)
        self.add_error(name if name in self.fields else None, error.message)
        # A page has no WWW-Authenticate challenge to send with a 401: the form is the challenge.
        self.status = 200 if error.status == 401 else error.status


# --- Accounts ------------------------------------------------------------------------------------


class LoginForm(ServiceForm):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput)


class RegisterForm(ServiceForm):
    username = forms.CharField(
        max_length=30,
        help_text="Letters, digits or underscores.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False,
        help_text="At least 8 characters, not only digits, not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    birth_date = forms.DateField(
        label="Date of birth",
        help_text="You must be 13 or older. Under 18, your feed and ads are never based on "
        "what you do here. It can't be changed later.",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )


# --- Feed privacy --------------------------------------------------------------------------------


class PersonalizationForm(ServiceForm):
    personalization = forms.TypedChoiceField(
        label="Personalized For You",
        choices=[("on", "On"), ("off", "Off")],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )


class BirthDateForm(ServiceForm):
    birth_date = forms.DateField(
        label="Your date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )


class RegionForm(ServiceForm):
    # A plain text field under a select: the accounts service is the one place that knows
    # which codes are regions, and its error is the one shown.
    region = forms.CharField(label="Country or region", required=False, max_length=8)

    def __init__(self, *args, default_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        default = [("", f"Default ({default_name})" if default_name else "Default")]
        self.fields["region"].widget = forms.Select(
            choices=[*default, *account_selectors.region_choices()]
        )


# --- Cart and checkout ---------------------------------------------------------------------------


class AddToCartForm(ServiceForm):
    variant_id = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        initial=1, widget=forms.NumberInput(attrs={"min": 1, "max": 99, "inputmode": "numeric"})
    )
    ref = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class QuantityForm(ServiceForm):
    quantity = forms.IntegerField(
        widget=forms.NumberInput(attrs={"min": 1, "max": 99, "inputmode": "numeric"})
    )


class CheckoutForm(ServiceForm):
    name = forms.CharField(label="Full name", max_length=100)
    line1 = forms.CharField(label="Address", max_length=200)
    line2 = forms.CharField(label="Apartment, suite (optional)", max_length=200, required=False)
    city = forms.CharField(max_length=100)
    region = forms.CharField(label="State / region (optional)", max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    country = forms.CharField(
        max_length=2,
        initial="US",
        help_text="Two-letter code, such as US.",
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 2}),
    )
    token = forms.ChoiceField(
        label="Payment", choices=TEST_CARDS, initial="tok_visa", widget=forms.RadioSelect
    )
    idempotency_key = forms.CharField(max_length=120, widget=forms.HiddenInput)

    ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        autocomplete = {
            "name": "name",
            "line1": "address-line1",
            "line2": "address-line2",
            "city": "address-level2",
            "region": "address-level1",
            "postal_code": "postal-code",
        }
        for name, value in autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = value

    @classmethod
    def blank(cls, **kwargs) -> CheckoutForm:
        """An unbound form carrying a new idempotency key: one key per rendered form, so a
        double-submit of this form makes one order and a corrected retry makes a new attempt."""
        return cls(initial={"idempotency_key": uuid.uuid4().hex, **kwargs})

    def address(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.ADDRESS_FIELDS}

    def payment(self) -> dict:
        return {"method": "test", "token": self.cleaned_data["token"]}


class CancelOrderForm(ServiceForm):
    reason = forms.CharField(
        max_length=300, required=False, initial="Cancelled by the buyer", widget=forms.HiddenInput
    )


# --- Seller center ------------------------------------------------------------------------------


class RefundForm(ServiceForm):
    """Money back for one line. `key` is made when the form is shown, so a double submit (or a
    retry after a timeout) is the same refund, not a second one."""

    line_id = forms.TypedChoiceField(label="Item", coerce=int)
    amount = forms.CharField(
        label="Amount",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "10.00"}),
    )
    reason = forms.CharField(max_length=300, required=False)
    key = forms.CharField(max_length=120, widget=forms.HiddenInput)

    def __init__(self, *args, lines=(), **kwargs):
        kwargs.setdefault("initial", {"key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        line_field = self.fields["line_id"]
        assert isinstance(line_field, forms.TypedChoiceField)
        line_field.choices = [
            (line.pk, f"{line.title} · {line.quantity} × {line.unit_price}") for line in lines
        ]


class ShopForm(ServiceForm):
    name = forms.CharField(label="Shop name", max_length=80)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ShopSettingsForm(ServiceForm):
    shipping_fee = forms.DecimalField(
        label="Shipping fee per order", max_digits=12, decimal_places=2
    )
    free_shipping_threshold = forms.DecimalField(
        label="Free shipping from (optional)",
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Orders at or above this subtotal ship free. Leave empty for no free shipping.",
    )
    handling_days = forms.IntegerField(
        label="Handling time (business days)",
        help_text="How long you need between an order and its dispatch. Buyers see the date.",
    )
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VariantEditForm(ServiceForm):
    price = forms.DecimalField(
        max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    stock = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"min": 0}))


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several image files from one `<input type=file multiple>`, each checked by Pillow."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if len(files) > MAX_IMAGES:
            raise forms.ValidationError(f"At most {MAX_IMAGES} images.")
        return [super(MultipleImageField, self).clean(file, initial) for file in files]


def handling_kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Handling",
        choices=[
            ("in_stock", "In stock (1–3 business days)"),
            ("made_to_order", "Made to order (3–14)"),
            ("backorder", "Backorder (3–15)"),
            ("preorder", "Pre-order (ships on a date)"),
        ],
        initial="in_stock",
        required=False,
    )


def ships_on_field() -> forms.DateField:
    return forms.DateField(
        label="Pre-order ship date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only for a pre-order: not in the past, at most 60 days out.",
    )


def when_sold_out_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="When sold out",
        choices=[("waitlist", "Take a waitlist"), ("sold_out", "Show sold out")],
        initial="waitlist",
        required=False,
    )


class ProductForm(ServiceForm):
    field_aliases = {"image": "images"}  # the image service judges one file at a time

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Variants without their own price use this one.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(CURRENCIES)], initial="USD")
    stock = forms.IntegerField(
        initial=0,
        help_text="Units you can sell, when the product has no variants.",
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    handling_days = forms.IntegerField(
        label="Handling time (business days, optional)",
        required=False,
        help_text="Leave empty to use the shop's handling time.",
    )
    handling_kind = handling_kind_field()
    ships_on = ships_on_field()
    when_sold_out = when_sold_out_field()
    category_id = forms.TypedChoiceField(label="Category", coerce=int, required=False)
    kind = forms.ChoiceField(
        label="Sold",
        choices=[("native", "Here, on Clipcart"), ("external", "On another store (link)")],
        initial="native",
        widget=forms.RadioSelect,
    )
    external_url = forms.URLField(
        label="Link to the other store", required=False, assume_scheme="https"
    )
    images = MultipleImageField(required=False, help_text=f"Up to {MAX_IMAGES} images.")

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", "No category")] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in categories
        ]

    def clean_category_id(self):
        return self.cleaned_data["category_id"] or None

    def show_error(self, error: DomainError) -> None:
        if (error.field or "").startswith("variants."):  # a variant row is to blame
            self.add_error(None, f"Variants: {error.message}")
            self.status = error.status
            return
        super().show_error(error)


class ProductEditForm(ServiceForm):
    """A listed product's words, status and handling time, and photos to add to it."""

    # `status` is ServiceForm's HTTP status, so the product's status field is named for itself.
    field_aliases = {"image": "images", "status": "product_status"}

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    product_status = forms.ChoiceField(
        label="Status",
        choices=[("active", "Active"), ("draft", "Draft"), ("archived", "Archived")],
        help_text="Shoppers see active products only. Orders already placed are kept.",
        widget=forms.RadioSelect,
    )
    handling_days = forms.IntegerField(
        label="Handling time (business days, optional)",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    handling_kind = handling_kind_field()
    ships_on = ships_on_field()
    when_sold_out = when_sold_out_field()
    images = MultipleImageField(
        label="Add photos",
        required=False,
        help_text=f"Up to {MAX_IMAGES} at a time. They go after the photos above.",
    )

    def __init__(self, *args, product, shop_handling_days: int, **kwargs):
        kwargs["initial"] = {
            "title": product.title,
            "description": product.description,
            "product_status": product.status,
            "handling_days": product.handling_days,
            "handling_kind": product.handling_kind,
            "ships_on": product.ships_on,
            "when_sold_out": product.when_sold_out,
        }
        super().__init__(*args, **kwargs)
        if product.kind == "external":  # the other store ships it: no handling time to set
            for name in ("handling_days", "handling_kind", "ships_on", "when_sold_out"):
                del self.fields[name]
            return
        days = f"{shop_handling_days} business day{pluralize(shop_handling_days)}"
        self.fields["handling_days"].help_text = f"Leave empty to use the shop's ({days})."


class VariantRowForm(forms.Form):
    name = forms.CharField(
        max_length=80, required=False, widget=forms.TextInput(attrs={"placeholder": "Name"})
    )
    sku = forms.CharField(
        label="SKU",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "SKU"}),
    )
    price = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "Same price"}),
    )
    stock = forms.IntegerField(
        required=False, widget=forms.NumberInput(attrs={"min": 0, "placeholder": "Stock"})
    )

    def clean(self):
        data = super().clean() or {}
        if (data.get("sku") or data.get("price") is not None) and not data.get("name"):
            self.add_error("name", "Name this variant.")
        if data.get("name") and data.get("stock") is None:
            self.add_error("stock", "How many can you sell?")
        return data


VariantFormSet = forms.formset_factory(VariantRowForm, extra=VARIANT_ROWS, max_num=VARIANT_ROWS)


def variant_inputs(formset) -> list[dict] | None:
    """The variant rows the seller filled in, as the catalog service takes them."""
    rows = [
        {
            "name": f.cleaned_data["name"],
            "sku": f.cleaned_data["sku"],
            "price": f.cleaned_data["price"],
            "stock": f.cleaned_data["stock"],
        }
        for f in formset
        if f.cleaned_data.get("name")
    ]
    return rows or None


class ShipForm(ServiceForm):
    carrier = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"placeholder": "UPS"}))
    tracking_number = forms.CharField(
        label="Tracking number",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "1Z999AA1012"}),
    )


# --- Fulfillment (seller center) ------------------------------------------------------------------


class FulfillmentSettingsForm(ServiceForm):
    """The shop's calendar, handling time and viral-mode capacity; the rules are the service's."""

    time_zone = forms.CharField(
        max_length=64, help_text="An IANA name such as Europe/Berlin or America/New_York."
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter code; its public holidays are not ship days.",
    )
    handling_days = forms.TypedChoiceField(
        label="Handling time",
        choices=[(1, "1 business day"), (2, "2 business days")],
        coerce=int,
    )
    daily_capacity = forms.IntegerField(
        label="Orders you can ship a day",
        required=False,
        help_text="Leave empty for no limit. Orders past it get the next day with room.",
    )
    backlog_limit_days = forms.IntegerField(
        label="Backlog limit (business days)",
        min_value=0,
        help_text="How many business days past the usual date buyers may be offered.",
    )
    past_limit = forms.ChoiceField(
        label="Past the limit, products become",
        choices=[("waitlist", "A waitlist (not buyable)"), ("preorder", "A pre-order")],
    )


class VacationForm(ServiceForm):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=200, required=False)


class PreorderForm(ServiceForm):
    ships_on = forms.DateField(label="Restock date", widget=forms.DateInput(attrs={"type": "date"}))
    units = forms.IntegerField(label="Units for pre-order", min_value=1)
