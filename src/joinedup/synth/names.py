"""Names for synthetic people, from public frequency-list style data, never real records.

Forenames follow the fashions of the decade a person was born in (so a grandmother is
more often a Margaret and a toddler an Isla), surnames follow the rough shape of the
commonest surnames in England and Wales, and the nickname table is what people and
practitioners write instead of the legal forename. Lists are ordered commonest first;
:func:`rank_weights` turns that order into cumulative weights for ``random.choices``.
"""

from __future__ import annotations

from itertools import accumulate

#: Forenames by the first birth year of an era, commonest first.
FORENAMES_FEMALE: dict[int, tuple[str, ...]] = {
    1900: (
        "Margaret", "Mary", "Joan", "Dorothy", "Doris", "Jean", "Irene", "Betty", "Elizabeth",
        "Edna", "Eileen", "Kathleen", "Joyce", "Winifred", "Sylvia", "Marjorie", "Florence",
        "Vera", "Gladys", "Hilda", "Phyllis", "Audrey", "Ivy", "Violet", "Elsie", "Lilian",
        "Evelyn", "Barbara", "Olive", "Mabel", "Ethel", "Annie", "Peggy", "Edith", "Nora",
        "Patricia", "Shirley", "Brenda", "Maureen", "Pamela",
    ),
    1945: (
        "Susan", "Linda", "Christine", "Margaret", "Janet", "Patricia", "Carol", "Elizabeth",
        "Mary", "Anne", "Ann", "Jane", "Jacqueline", "Barbara", "Sandra", "Gillian", "Pauline",
        "Elaine", "Lesley", "Angela", "Pamela", "Helen", "Valerie", "Kathleen", "Diane", "Sheila",
        "Maureen", "Judith", "Brenda", "Jean", "Marion", "Catherine", "Wendy", "Lynne", "Rosemary",
        "Deborah", "Frances", "Irene", "Josephine", "Hazel",
    ),
    1965: (
        "Sarah", "Claire", "Nicola", "Emma", "Lisa", "Joanne", "Michelle", "Helen", "Samantha",
        "Karen", "Amanda", "Rachel", "Louise", "Julie", "Clare", "Rebecca", "Sharon", "Victoria",
        "Caroline", "Susan", "Alison", "Catherine", "Elizabeth", "Deborah", "Donna", "Tracey",
        "Jennifer", "Kelly", "Angela", "Dawn", "Joanna", "Katherine", "Natalie", "Kerry",
        "Jacqueline", "Lorraine", "Zoë", "Siân", "Andrea", "Paula",
    ),
    1985: (
        "Jessica", "Emily", "Sophie", "Charlotte", "Hannah", "Lauren", "Amy", "Rebecca", "Laura",
        "Chloe", "Sarah", "Katie", "Emma", "Danielle", "Stephanie", "Jade", "Megan", "Holly",
        "Gemma", "Rachel", "Bethany", "Samantha", "Amber", "Natasha", "Shannon", "Abigail",
        "Victoria", "Nicole", "Kirsty", "Leanne", "Georgia", "Olivia", "Aisha", "Fatima",
        "Jasmine", "Kayleigh", "Elizabeth", "Alexandra", "Zoe", "Ellie",
    ),
    2000: (
        "Olivia", "Emily", "Jessica", "Chloe", "Sophie", "Grace", "Lily", "Ruby", "Ella", "Mia",
        "Amelia", "Charlotte", "Lucy", "Megan", "Ellie", "Isabella", "Hannah", "Katie", "Holly",
        "Evie", "Isabelle", "Abigail", "Millie", "Erin", "Maisie", "Freya", "Daisy", "Poppy",
        "Lauren", "Molly", "Amy", "Scarlett", "Summer", "Phoebe", "Zara", "Maryam", "Aaliyah",
        "Eleanor", "Imogen", "Caitlin",
    ),
    2012: (
        "Olivia", "Amelia", "Isla", "Ava", "Lily", "Mia", "Sophia", "Isabella", "Grace", "Freya",
        "Ivy", "Florence", "Willow", "Rosie", "Evie", "Poppy", "Ella", "Charlotte", "Emily",
        "Elsie", "Sienna", "Daisy", "Harper", "Evelyn", "Matilda", "Phoebe", "Alice", "Aria",
        "Isabelle", "Maya", "Layla", "Hallie", "Esme", "Maryam", "Nova", "Zara", "Eleanor",
        "Aisha", "Luna", "Renée",
    ),
}

FORENAMES_MALE: dict[int, tuple[str, ...]] = {
    1900: (
        "John", "William", "George", "James", "Thomas", "Arthur", "Frederick", "Albert", "Charles",
        "Robert", "Harold", "Ernest", "Joseph", "Walter", "Frank", "Henry", "Alfred", "Edward",
        "Richard", "Stanley", "Kenneth", "Leonard", "Sidney", "Reginald", "Herbert", "Cyril",
        "Dennis", "Peter", "Ronald", "Eric", "Norman", "Harry", "Percy", "Douglas", "Raymond",
        "Donald", "Gordon", "Leslie", "Wilfred", "Horace",
    ),
    1945: (
        "David", "John", "Michael", "Peter", "Robert", "Stephen", "Paul", "Christopher", "Richard",
        "Alan", "Anthony", "Brian", "Keith", "Ian", "Graham", "Trevor", "Colin", "Martin",
        "Andrew", "Philip", "Kevin", "Geoffrey", "Roger", "Barry", "Malcolm", "Terence", "Gary",
        "Nigel", "Kenneth", "Derek", "Raymond", "Patrick", "Thomas", "James", "William", "Gerald",
        "Timothy", "Ronald", "Edward", "Lawrence",
    ),
    1965: (
        "David", "Paul", "Mark", "Andrew", "Richard", "Michael", "Christopher", "Stephen", "Ian",
        "Darren", "Matthew", "Simon", "James", "Jonathan", "Neil", "Jason", "Gary", "Lee", "Craig",
        "Robert", "Daniel", "Steven", "Anthony", "Martin", "Carl", "Wayne", "Dean", "Philip",
        "Nicholas", "Timothy", "John", "Peter", "Kevin", "Thomas", "Shaun", "Gareth", "Alexander",
        "Mohammed", "Rajesh", "Sean",
    ),
    1985: (
        "Thomas", "James", "Daniel", "Matthew", "Joshua", "Luke", "Christopher", "Ryan", "Adam",
        "Michael", "Jack", "Samuel", "Benjamin", "Jordan", "Liam", "Nathan", "Lewis", "Jamie",
        "Callum", "Ashley", "Andrew", "Craig", "Connor", "Robert", "Alexander", "Aaron", "Kieran",
        "Dean", "Mohammed", "Bradley", "Scott", "Jake", "David", "Joseph", "Oliver", "Harry",
        "William", "Jonathan", "Tyler", "Ali",
    ),
    2000: (
        "Jack", "Thomas", "Joshua", "James", "Oliver", "Daniel", "Harry", "William", "Samuel",
        "Charlie", "Alfie", "Joseph", "Ethan", "Lewis", "George", "Jacob", "Dylan", "Ryan",
        "Matthew", "Mohammed", "Callum", "Benjamin", "Alexander", "Luke", "Max", "Tyler", "Liam",
        "Jake", "Harvey", "Finley", "Kyle", "Adam", "Connor", "Reece", "Owen", "Cameron",
        "Muhammad", "Nathan", "Henry", "Zachary",
    ),
    2012: (
        "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Oscar", "Harry", "Archie",
        "Jack", "Henry", "Charlie", "Freddie", "Theodore", "Thomas", "Finley", "Theo", "Alfie",
        "Jacob", "William", "Isaac", "Tommy", "Joshua", "Roman", "Teddy", "Lucas", "Elijah",
        "James", "Edward", "Albie", "Mohammed", "Reggie", "Hugo", "Alexander", "Sonny", "Ezra",
        "Luca", "Max", "Zayn", "Jude",
    ),
}

#: Surnames, commonest first; a few carry apostrophes, hyphens or letters outside ASCII.
SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner",
    "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker",
    "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker",
    "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd",
    "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews",
    "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson",
    "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells",
    "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster",
    "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons",
    "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton",
    "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane",
    "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
    "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne",
    "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor",
    "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers", "O'Neill", "Griffin",
    "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle", "Wallace",
    "George", "Jordan", "Hutchinson", "Rahman", "Mahmood", "Akhtar", "Iqbal", "Chowdhury",
    "Mistry", "Sharma", "Nguyen", "Okafor", "Mensah", "Adeyemi", "Okoro", "Asante", "Kowalski",
    "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Popescu", "Silva", "Santos", "Costa",
    "Murphy-Jones", "Ahmadi", "Mohamed", "Abdi", "Osman", "Yilmaz", "Papadopoulos", "Rossi",
    "Haddad", "Boateng", "Chen", "Wang", "Zhang", "Kumar", "Joshi", "Desai", "Naidoo",
    "Fitzgerald", "MacLeod", "McKenzie", "Ferguson", "Sinclair", "Lindqvist", "Brennan",
    "Quinn", "Doherty", "Gallagher", "Kavanagh", "Rhodes", "Fowler", "Holt", "Slater", "Dobson",
    "Hewitt", "Barlow", "Pickering", "Whitehead", "Chadwick", "Crossley", "Ashworth",
)

#: Legal forename -> names a person goes by or a practitioner writes down instead.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"),
    "Katherine": ("Kate", "Kath", "Katie"),
    "Catherine": ("Cath", "Kate", "Cathy"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Michael": ("Mike", "Mick", "Micky"),
    "Richard": ("Rich", "Rick", "Dick"),
    "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris", "Kit"),
    "Jonathan": ("Jon", "Jonny"),
    "Daniel": ("Dan", "Danny"),
    "Alexander": ("Alex", "Sandy"),
    "Alexandra": ("Alex", "Lexi"),
    "Anthony": ("Tony", "Ant"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Joseph": ("Joe", "Joey"),
    "Samuel": ("Sam", "Sammy"),
    "Samantha": ("Sam", "Sammie"),
    "Benjamin": ("Ben", "Benji"),
    "Matthew": ("Matt", "Matty"),
    "Nicholas": ("Nick", "Nicky"),
    "Patricia": ("Pat", "Trish", "Patsy"),
    "Jennifer": ("Jen", "Jenny"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Deborah": ("Debbie", "Debs"),
    "Susan": ("Sue", "Susie"),
    "Jacqueline": ("Jackie", "Jacqui"),
    "Christine": ("Chris", "Chrissie"),
    "Stephen": ("Steve", "Stevie"),
    "Steven": ("Steve", "Stevie"),
    "David": ("Dave", "Davey"),
    "Andrew": ("Andy", "Drew"),
    "Peter": ("Pete",),
    "Charlotte": ("Charlie", "Lottie"),
    "Abigail": ("Abbie", "Abi"),
    "Olivia": ("Liv", "Livvy"),
    "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy", "Belle"),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Frederick": ("Fred", "Freddie"),
    "Harold": ("Harry", "Hal"),
    "Henry": ("Harry", "Hal"),
    "Lawrence": ("Larry", "Laurie"),
    "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"),
    "Donald": ("Don", "Donnie"),
    "Gerald": ("Gerry",),
    "Timothy": ("Tim", "Timmy"),
    "Philip": ("Phil",),
    "Jessica": ("Jess", "Jessie"),
    "Amanda": ("Mandy",),
    "Josephine": ("Jo", "Josie"),
    "Joanne": ("Jo",),
    "Joanna": ("Jo",),
    "Theodore": ("Theo", "Teddy"),
    "Oliver": ("Ollie", "Olly"),
    "Frances": ("Fran", "Frankie"),
    "Eleanor": ("Ellie", "Nell"),
    "Zachary": ("Zach", "Zac"),
    "Jacob": ("Jake",),
    "Nathan": ("Nate",),
    "Gregory": ("Greg",),
    "Terence": ("Terry", "Tel"),
    "Raymond": ("Ray",),
    "Dorothy": ("Dot", "Dottie"),
    "Florence": ("Flo", "Florrie"),
    "Kathleen": ("Kath", "Kathy"),
    "Pamela": ("Pam",),
    "Valerie": ("Val",),
    "Gillian": ("Gill", "Jill"),
    "Natasha": ("Tash", "Tasha"),
    "Natalie": ("Nat",),
    "Stephanie": ("Steph",),
    "Danielle": ("Dani",),
    "Caroline": ("Caz", "Carrie"),
    "Sarah": ("Sally",),
    "Helen": ("Nell",),
    "Archie": ("Arch",),
    "Callum": ("Cal",),
    "Cameron": ("Cam",),
    "Harrison": ("Harry",),
    "Madeleine": ("Maddie",),
    "Matilda": ("Tilly", "Tilda"),
    "Phoebe": ("Phebs",),
    "Georgia": ("Georgie",),
    "Gemma": ("Gem",),
    "Rachel": ("Rach",),
    "Laura": ("Laurie",),
}

#: Street name stems and the kinds of street; combined, they make a town's streets.
STREET_STEMS: tuple[str, ...] = (
    "Acacia", "Alder", "Ash", "Beech", "Birch", "Blackthorn", "Bramble", "Cedar", "Cherry",
    "Chestnut", "Elm", "Hawthorn", "Hazel", "Holly", "Juniper", "Larch", "Laurel", "Lime",
    "Maple", "Oak", "Poplar", "Rowan", "Sycamore", "Willow", "Yew", "Abbey", "Albert",
    "Albion", "Alexandra", "Arundel", "Balmoral", "Beaconsfield", "Belgrave", "Berkeley",
    "Blenheim", "Brunswick", "Cambridge", "Canal", "Castle", "Chapel", "Church", "Clarence",
    "Clifton", "Coronation", "Cromwell", "Derby", "Devonshire", "Dover", "Eastfield",
    "Edinburgh", "Exeter", "Fairfield", "Forge", "Garden", "Gladstone", "Glebe", "Gloucester",
    "Granville", "Grosvenor", "Hampden", "Hanover", "Harcourt", "Heath", "Highfield", "Hill",
    "Jubilee", "Kensington", "Kingsway", "Lancaster", "Linden", "Manor", "Market", "Marlborough",
    "Meadow", "Mill", "Milton", "Nelson", "Newlands", "Northfield", "Orchard", "Park",
    "Primrose", "Priory", "Queens", "Railway", "Rectory", "Regent", "Richmond", "Riverside",
    "Rosebery", "Rutland", "Salisbury", "School", "Sefton", "Shakespeare", "Spring", "Stanley",
    "Station", "Stratford", "Sunnyside", "Tennyson", "Trinity", "Tudor", "Vicarage", "Victoria",
    "Warwick", "Waterloo", "Wellington", "Westfield", "Windmill", "Windsor", "York", "Brook",
    "Foxglove", "Heather", "Kingfisher", "Lapwing", "Lavender", "Moorland", "Oakfield",
    "Pinfold", "Quarry", "Ridgeway", "Sandpiper", "Skylark", "Southfield", "Thornton",
    "Tithe Barn", "Wharf", "Whitworth", "Woodland", "Ferndale", "Greenbank", "Hollybush",
    "Ivy", "Kestrel", "Lark", "Linnet", "Mayfield", "Nightingale", "Pennine", "Coniston",
    "Grasmere", "Ullswater", "Windermere", "Buttermere", "Derwent", "Eden", "Severn",
)

#: Street kinds with their abbreviations, as a clerk types them.
STREET_KINDS: dict[str, str] = {
    "Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl",
    "Drive": "Dr", "Crescent": "Cres", "Gardens": "Gdns", "Terrace": "Terr", "Place": "Pl",
    "Grove": "Gr", "Way": "Wy", "Walk": "Wlk", "Mews": "Mws", "Rise": "Rise", "View": "Vw",
}

#: Names of blocks of flats and of named houses.
BLOCK_NAMES: tuple[str, ...] = (
    "Court", "House", "Lodge", "Heights", "Point", "Mansions", "Tower",
)
HOUSE_NAMES: tuple[str, ...] = (
    "Rose Cottage", "Ivy Cottage", "The Old Forge", "The Laurels", "Woodlands", "The Willows",
    "Orchard House", "The Old Rectory", "Meadow View", "Hillside", "The Cottage", "Fernlea",
    "Holly Lodge", "The Old School House", "Brook House", "The Coach House", "Greystones",
    "Sunnybank", "The Haven", "Rosedene", "Fairview", "The Barn", "Westview", "Little Acre",
)


def rank_weights(names: tuple[str, ...], flatten: float = 4.0) -> list[float]:
    """Cumulative weights for names listed commonest first (a Zipf-like curve)."""
    return list(accumulate(1.0 / (rank + flatten) for rank in range(len(names))))


def forename_era(birth_year: int) -> int:
    """The era whose fashionable names a person born in ``birth_year`` was given."""
    era = 1900
    for start in FORENAMES_FEMALE:
        if birth_year >= start:
            era = start
    return era
