from django.urls import path

from . import views

urlpatterns = [
    path("auth/register/", views.RegisterApi.as_view(), name="auth-register"),
    path("auth/login/", views.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password/reset/", views.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("auth/password/reset/confirm/", views.PasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
    path("auth/password/change/", views.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/me/", views.MeApi.as_view(), name="auth-me"),
    path("addresses/", views.AddressListCreateApi.as_view(), name="address-list"),
    path("addresses/<uuid:pk>/", views.AddressDetailApi.as_view(), name="address-detail"),
]
