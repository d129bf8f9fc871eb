"""The demo catalogue: Indian grocery aisles, brands and packs, generated into >= 300 SKUs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

GST_SINCE = dt.date(2017, 7, 1)
GST_2_0 = dt.date(2025, 9, 22)

#: code -> (name, [(rate_bp, effective_from), ...]): the 22 Sep 2025 rationalisation included.
TAX_CLASSES: dict[str, tuple[str, list[tuple[int, dt.date]]]] = {
    "nil": ("Nil rated (fresh produce, milk)", [(0, GST_SINCE)]),
    "food-5": ("Packaged staples 5%", [(500, GST_SINCE)]),
    "dairy-5-nil": ("Paneer, UHT milk, bread: 5% then nil", [(500, GST_SINCE), (0, GST_2_0)]),
    "food-12-5": ("Butter, ghee, namkeen, juices: 12% then 5%", [(1200, GST_SINCE), (500, GST_2_0)]),
    "food-18-5": ("Biscuits, chocolates, noodles, coffee: 18% then 5%", [(1800, GST_SINCE), (500, GST_2_0)]),
    "care-18-5": ("Soap, shampoo, toothpaste: 18% then 5%", [(1800, GST_SINCE), (500, GST_2_0)]),
    "household-18": ("Detergents and cleaners 18%", [(1800, GST_SINCE)]),
    "aerated-28-40": ("Aerated drinks: 28% then 40%", [(2800, GST_SINCE), (4000, GST_2_0)]),
}


@dataclass(frozen=True)
class Aisle:
    """A leaf category and how its products are made up."""

    parent: str
    name: str
    hsn: str
    tax: str
    items: tuple[str, ...]
    brands: tuple[str, ...] = ()
    #: (size, unit, price in paise) of each pack, or () for weight items.
    packs: tuple[tuple[int, str, int], ...] = ()
    #: Weight items: price per kg in paise for the first item; the rest vary around it.
    per_kg_paise: int = 0
    step_g: int = 250
    storage: str = "ambient"
    shelf_life_days: int | None = None
    min_life_days: int = 0
    diet: str = "veg"
    tags: str = ""
    colour: tuple[int, int, int] = (120, 160, 120)
    extras: dict[str, str] = field(default_factory=dict)


VEGETABLES = (
    "Tomato Hybrid", "Onion", "Potato", "Carrot Ooty", "Cauliflower", "Cabbage", "Brinjal Bharta", "Lady Finger Bhindi",
    "Capsicum Green", "Cucumber", "Bottle Gourd Lauki", "Bitter Gourd Karela", "Green Peas", "Beans French",
    "Beetroot", "Radish Mooli", "Sweet Potato", "Drumstick", "Ridge Gourd Turai", "Pumpkin Kaddu", "Tomato Local",
    "Onion Sambar", "Baby Potato", "Raw Banana",
)  # fmt: skip
FRUITS = (
    "Banana Robusta", "Banana Yelakki", "Apple Shimla", "Apple Royal Gala", "Mango Alphonso", "Mango Banganapalli",
    "Papaya", "Pomegranate", "Orange Nagpur", "Mosambi", "Grapes Green Seedless", "Watermelon", "Muskmelon",
    "Guava", "Sapota Chikoo", "Pineapple", "Kiwi", "Pear",
)  # fmt: skip
HERBS = ("Coriander Leaves", "Mint Leaves Pudina", "Curry Leaves", "Green Chilli", "Ginger", "Garlic", "Lemon",
         "Spinach Palak", "Methi Leaves", "Spring Onion")  # fmt: skip

AISLES: tuple[Aisle, ...] = (
    Aisle(
        "Fruits & Vegetables",
        "Fresh Vegetables",
        "0702",
        "nil",
        VEGETABLES,
        per_kg_paise=4000,
        storage="chilled",
        shelf_life_days=5,
        min_life_days=2,
        tags="sabzi, fresh",
        colour=(70, 150, 70),
    ),
    Aisle(
        "Fruits & Vegetables",
        "Fresh Fruits",
        "0803",
        "nil",
        FRUITS,
        per_kg_paise=9000,
        step_g=500,
        storage="chilled",
        shelf_life_days=6,
        min_life_days=2,
        tags="phal, fresh",
        colour=(230, 160, 40),
    ),
    Aisle(
        "Fruits & Vegetables",
        "Herbs & Seasonings",
        "0709",
        "nil",
        HERBS,
        per_kg_paise=12000,
        step_g=100,
        storage="chilled",
        shelf_life_days=3,
        min_life_days=1,
        tags="fresh",
        colour=(60, 130, 60),
    ),
    Aisle(
        "Dairy & Bakery",
        "Milk",
        "0401",
        "nil",
        ("Toned Milk", "Full Cream Milk", "Double Toned Milk", "Cow Milk"),
        ("Amul", "Nandini", "Mother Dairy", "Heritage"),
        ((500, "ml", 2800), (1, "l", 5400)),
        storage="chilled",
        shelf_life_days=3,
        min_life_days=1,
        tags="doodh",
        colour=(230, 230, 245),
    ),
    Aisle(
        "Dairy & Bakery",
        "Curd & Paneer",
        "0406",
        "dairy-5-nil",
        ("Fresh Paneer", "Malai Paneer", "Dahi Curd", "Greek Yoghurt"),
        ("Amul", "Milky Mist", "Mother Dairy"),
        ((200, "g", 9000), (400, "g", 17500)),
        storage="chilled",
        shelf_life_days=7,
        min_life_days=3,
        tags="cottage cheese, dahi",
        colour=(245, 240, 220),
    ),
    Aisle(
        "Dairy & Bakery",
        "Butter & Ghee",
        "0405",
        "food-12-5",
        ("Salted Butter", "Pure Ghee", "Cow Ghee"),
        ("Amul", "Nandini", "Gowardhan"),
        ((100, "g", 6000), (500, "g", 29000)),
        storage="chilled",
        shelf_life_days=180,
        min_life_days=30,
        tags="makhan",
        colour=(250, 220, 120),
    ),
    Aisle(
        "Dairy & Bakery",
        "Bread & Buns",
        "1905",
        "dairy-5-nil",
        ("Sandwich Bread", "Brown Bread", "Pav Buns", "Multigrain Bread"),
        ("Britannia", "Modern", "English Oven"),
        ((400, "g", 5000),),
        shelf_life_days=4,
        min_life_days=2,
        tags="double roti",
        colour=(210, 170, 110),
    ),
    Aisle(
        "Staples",
        "Atta & Flours",
        "1101",
        "food-5",
        ("Whole Wheat Atta", "Multigrain Atta", "Besan", "Maida", "Rava Sooji"),
        ("Aashirvaad", "Pillsbury", "Fortune", "Tata Sampann"),
        ((1, "kg", 6500), (5, "kg", 29000)),
        shelf_life_days=120,
        tags="flour, gehun",
        colour=(220, 190, 140),
    ),
    Aisle(
        "Staples",
        "Rice",
        "1006",
        "food-5",
        ("Basmati Rice", "Sona Masoori Rice", "Kolam Rice", "Idli Rice"),
        ("India Gate", "Daawat", "Fortune", "24 Mantra Organic"),
        ((1, "kg", 9500), (5, "kg", 42000)),
        tags="chawal",
        colour=(240, 240, 225),
    ),
    Aisle(
        "Staples",
        "Dals & Pulses",
        "0713",
        "food-5",
        ("Toor Dal", "Moong Dal", "Chana Dal", "Masoor Dal", "Urad Dal", "Rajma Chitra", "Kabuli Chana"),
        ("Tata Sampann", "Fortune", "24 Mantra Organic"),
        ((500, "g", 9000), (1, "kg", 17000)),
        tags="lentils, pulses",
        colour=(230, 180, 60),
    ),
    Aisle(
        "Staples",
        "Edible Oils",
        "1512",
        "food-5",
        ("Sunflower Oil", "Mustard Oil", "Groundnut Oil", "Rice Bran Oil"),
        ("Fortune", "Saffola", "Dhara"),
        ((1, "l", 16000), (5, "l", 75000)),
        tags="tel, cooking oil",
        colour=(240, 200, 60),
    ),
    Aisle(
        "Staples",
        "Masalas & Spices",
        "0910",
        "food-5",
        ("Turmeric Powder", "Red Chilli Powder", "Garam Masala", "Coriander Powder", "Sambar Powder", "Jeera Whole"),
        ("MDH", "Everest", "Eastern"),
        ((100, "g", 4500), (200, "g", 8500)),
        tags="spices, haldi, mirchi",
        colour=(200, 90, 40),
    ),
    Aisle(
        "Snacks & Sweets",
        "Chips & Namkeen",
        "2106",
        "food-12-5",
        ("Aloo Bhujia", "Moong Dal Namkeen", "Classic Salted Chips", "Masala Chips", "Khatta Meetha"),
        ("Haldiram's", "Bikaji", "Lay's"),
        ((150, "g", 4000), (400, "g", 10000)),
        tags="snacks, farsan",
        colour=(240, 120, 60),
    ),
    Aisle(
        "Snacks & Sweets",
        "Biscuits & Cookies",
        "1905",
        "food-18-5",
        ("Marie Biscuits", "Glucose Biscuits", "Butter Cookies", "Cream Biscuits", "Digestive Biscuits"),
        ("Britannia", "Parle", "Sunfeast"),
        ((200, "g", 3000), (800, "g", 11000)),
        tags="cookies",
        colour=(180, 120, 70),
    ),
    Aisle(
        "Beverages",
        "Tea & Coffee",
        "0902",
        "food-5",
        ("Premium Tea", "Masala Chai", "Green Tea", "Filter Coffee", "Instant Coffee"),
        ("Tata Tea", "Red Label", "Bru", "Nescafe"),
        ((250, "g", 14000), (500, "g", 27000)),
        tags="chai",
        colour=(120, 70, 40),
    ),
    Aisle(
        "Beverages",
        "Juices & Drinks",
        "2009",
        "food-12-5",
        ("Mixed Fruit Juice", "Mango Drink", "Litchi Juice", "Orange Juice"),
        ("Real", "Tropicana", "Paper Boat"),
        ((1, "l", 12000), (200, "ml", 2500)),
        tags="juice",
        colour=(250, 150, 50),
    ),
    Aisle(
        "Beverages",
        "Soft Drinks",
        "2202",
        "aerated-28-40",
        ("Cola", "Lemon Soda", "Orange Soda"),
        ("Thums Up", "Sprite", "Fanta", "Limca"),
        ((750, "ml", 4000), (2, "l", 9500)),
        tags="cold drink",
        colour=(200, 40, 40),
    ),
    Aisle(
        "Breakfast & Instant",
        "Noodles & Pasta",
        "1902",
        "food-18-5",
        ("Masala Noodles", "Atta Noodles", "Penne Pasta", "Hakka Noodles"),
        ("Maggi", "Yippee", "Ching's"),
        ((70, "g", 1400), (280, "g", 5600)),
        tags="instant",
        colour=(250, 200, 40),
    ),
    Aisle(
        "Breakfast & Instant",
        "Breakfast Cereals",
        "1904",
        "food-18-5",
        ("Corn Flakes", "Chocos", "Muesli", "Rolled Oats"),
        ("Kellogg's", "Quaker", "Saffola"),
        ((500, "g", 19000), (1, "kg", 36000)),
        tags="breakfast",
        colour=(240, 170, 60),
    ),
    Aisle(
        "Eggs, Meat & Fish",
        "Eggs",
        "0407",
        "nil",
        ("Farm Eggs", "Brown Eggs"),
        ("Eggoz", "Country Delight"),
        ((6, "pcs", 5400), (12, "pcs", 10500)),
        storage="chilled",
        shelf_life_days=14,
        min_life_days=5,
        diet="egg",
        tags="anda",
        colour=(240, 230, 210),
    ),
    Aisle(
        "Eggs, Meat & Fish",
        "Chicken & Fish",
        "0207",
        "nil",
        ("Chicken Curry Cut", "Chicken Breast Boneless", "Rohu Fish Curry Cut", "Prawns Medium"),
        ("Licious", "FreshToHome"),
        ((500, "g", 18000),),
        storage="chilled",
        shelf_life_days=2,
        min_life_days=1,
        diet="non_veg",
        tags="meat, murgi, machli",
        colour=(220, 110, 110),
    ),
    Aisle(
        "Household",
        "Detergents & Dishwash",
        "3402",
        "household-18",
        ("Detergent Powder", "Liquid Detergent", "Dishwash Bar", "Dishwash Gel"),
        ("Surf Excel", "Tide", "Vim", "Rin"),
        ((1, "kg", 14000), (500, "g", 7500)),
        diet="na",
        tags="washing",
        colour=(60, 120, 220),
    ),
    Aisle(
        "Household",
        "Cleaners",
        "3402",
        "household-18",
        ("Floor Cleaner", "Toilet Cleaner", "Glass Cleaner"),
        ("Lizol", "Harpic", "Colin"),
        ((500, "ml", 11000), (1, "l", 20000)),
        diet="na",
        tags="cleaning",
        colour=(80, 180, 220),
    ),
    Aisle(
        "Personal Care",
        "Bath & Oral Care",
        "3401",
        "care-18-5",
        ("Bathing Soap", "Sandal Soap", "Toothpaste", "Anti-dandruff Shampoo"),
        ("Mysore Sandal", "Dettol", "Colgate", "Clinic Plus"),
        ((125, "g", 5000), (4, "pcs", 18000)),
        diet="na",
        tags="soap, bath",
        colour=(150, 100, 200),
    ),
)
