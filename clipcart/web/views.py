from django.http import HttpResponse


def home(request):
    return HttpResponse("Clipcart")


def login_view(request):
    return HttpResponse("login")
