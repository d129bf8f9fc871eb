from django.urls import path

from . import views

urlpatterns = [
    path("stock/", views.StockListApi.as_view(), name="stock-list"),
    path("stock/receive/", views.StockReceiveApi.as_view(), name="stock-receive"),
    path("stock/adjust/", views.StockAdjustApi.as_view(), name="stock-adjust"),
    path("stock/<uuid:stock_id>/", views.StockDetailApi.as_view(), name="stock-detail"),
]
