from django.contrib import admin

from .models import Brand, Category, ExternalClick, Product, ProductImage, Shop, ShopMember, Variant


class ShopMemberInline(admin.TabularInline):
    model = ShopMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "status",
        "currency",
        "shipping_fee",
        "free_shipping_threshold",
        "handling_days",
        "time_zone",
        "country",
        "daily_capacity",
        "past_limit",
        "created_at",
    )
    list_filter = ("status", "currency", "past_limit", "country")
    search_fields = ("name", "slug", "memberships__user__username")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ShopMemberInline]
    actions = ["activate", "suspend"]

    @admin.action(description="Move selected shops out of probation (active)")
    def activate(self, request, queryset):
        queryset.update(status=Shop.Status.ACTIVE)

    @admin.action(description="Suspend selected shops (their products disappear)")
    def suspend(self, request, queryset):
        queryset.update(status=Shop.Status.SUSPENDED)


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("name", "sku", "price", "currency", "position")


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("image", "thumbnail", "alt", "position")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "shop",
        "kind",
        "status",
        "handling_kind",
        "handling_days",
        "ships_on",
        "created_at",
    )
    list_filter = ("status", "kind", "handling_kind", "when_sold_out", "category", "shop__status")
    search_fields = ("title", "description", "shop__name", "variants__sku")
    list_select_related = ("shop", "category", "brand")
    raw_id_fields = ("shop",)
    date_hierarchy = "created_at"
    inlines = [VariantInline, ProductImageInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sku", "price", "currency", "shop")
    list_filter = ("currency",)
    search_fields = ("name", "sku", "product__title", "shop__name")
    list_select_related = ("product", "shop")
    raw_id_fields = ("product", "shop")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name",)
    list_filter = ("parent",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ShopMember)
class ShopMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "shop__name")
    raw_id_fields = ("user", "shop")


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ("id", "product", "position", "created_at")
    search_fields = ("product__title",)
    raw_id_fields = ("product",)


@admin.register(ExternalClick)
class ExternalClickAdmin(admin.ModelAdmin):
    list_display = ("product", "user", "ref", "hits", "created_at")
    search_fields = ("product__title", "ref")
    raw_id_fields = ("product", "user")
    date_hierarchy = "created_at"
