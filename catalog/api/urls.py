from django.urls import path

from . import views

app_name = "catalog-api"

urlpatterns = [
    path("categories/", views.CategoryListApi.as_view(), name="categories"),
    path("products/", views.ProductListApi.as_view(), name="products"),
    path("products/<slug:slug>/", views.ProductDetailApi.as_view(), name="product"),
]
