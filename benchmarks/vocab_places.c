/*
 * vocab_places.c - countries (ISO 3166-1 alpha-2) with their regions, cooperation zones,
 * legal forms, languages and personal names, for the generator (see vocab.h).
 *
 * Chinese regions are cities with their province as the region name ("Ningbo", Zhejiang) and
 * the national or Sino-foreign cooperation zones located there; zone slugs are stable ids.
 */
#include "vocab.h"

#define ARR(a) (uint8_t)(sizeof(a) / sizeof((a)[0])), a

/* ---- China ---- */
static const struct vocab_region cn_regions[] = {
    {"Zhejiang", "ningbo", "Ningbo", "宁波", 70,
     {{"ninghai-stationery", {"C3290", "C2220"}, 30}, {"cixi-appliances", {"C2750", NULL}, 0},
      {"yuyao-plastics", {"C2220", "C2829"}, 0}, {"sino-italian-ningbo", {"C2819", "C3100"}, 10}}},
    {"Zhejiang", "yiwu", "Yiwu", "义乌", 30,
     {{"yiwu-international-trade", {"G4649", "C3240"}, 0}}},
    {"Zhejiang", "wenzhou", "Wenzhou", "温州", 30,
     {{"wenzhou-footwear", {"C1520", NULL}, 0}, {"yueqing-electrical", {"C2710", NULL}, 0}}},
    {"Zhejiang", "hangzhou", "Hangzhou", "杭州", 50,
     {{"hangzhou-hi-tech-zone", {"J6201", "G4791"}, 0}, {"xiaoshan-economic-zone", {"C2930", NULL}, 0}}},
    {"Zhejiang", "shaoxing", "Shaoxing", "绍兴", 20,
     {{"keqiao-textile", {"C1392", "C1410"}, 0}}},
    {"Zhejiang", "yongkang", "Yongkang", "永康", 15,
     {{"yongkang-hardware", {"C2593", "C3230"}, 20}}},
    {"Jiangsu", "suzhou", "Suzhou", "苏州", 70,
     {{"suzhou-industrial-park", {"C2610", "C2651"}, 30}, {"kunshan-development-zone", {"C2620", NULL}, 0}}},
    {"Jiangsu", "taicang", "Taicang", "太仓", 15,
     {{"taicang-sino-german", {"C2819", "C2822"}, 25}}},
    {"Jiangsu", "wuxi", "Wuxi", "无锡", 35,
     {{"wuxi-new-district", {"C2610", "C2720"}, 0}}},
    {"Jiangsu", "nanjing", "Nanjing", "南京", 35,
     {{"jiangning-development-zone", {"C2910", "J6201"}, 0}}},
    {"Jiangsu", "changzhou", "Changzhou", "常州", 25,
     {{"wujin-hi-tech-zone", {"C2720", "C2710"}, 0}}},
    {"Jiangsu", "zhenjiang", "Zhenjiang", "镇江", 10,
     {{"sino-swiss-zhenjiang", {"C2651", "C2813"}, 0}}},
    {"Guangdong", "shenzhen", "Shenzhen", "深圳", 80,
     {{"shenzhen-nanshan", {"C2640", "J6201"}, 0}, {"qianhai-cooperation-zone", {"G4791", "K6430"}, 0}}},
    {"Guangdong", "dongguan", "Dongguan", "东莞", 50,
     {{"songshan-lake", {"C2640", "C2610"}, 0}}},
    {"Guangdong", "foshan", "Foshan", "佛山", 45,
     {{"shunde-appliances", {"C2750", "C3100"}, 20}}},
    {"Guangdong", "guangzhou", "Guangzhou", "广州", 60,
     {{"nansha-free-trade-zone", {"H5229", "C2930"}, 0}}},
    {"Guangdong", "zhongshan", "Zhongshan", "中山", 20,
     {{"guzhen-lighting", {"C2740", NULL}, 0}}},
    {"Guangdong", "shantou", "Shantou", "汕头", 15,
     {{"chenghai-toys", {"C3240", NULL}, 0}}},
    {"Guangdong", "jieyang", "Jieyang", "揭阳", 8,
     {{"sino-german-metal-eco-city", {"C2593", "C2592"}, 0}}},
    {"Shanghai", "shanghai", "Shanghai", "上海", 80,
     {{"zhangjiang-hi-tech-park", {"M7210", "C2100"}, 0}, {"lingang-new-area", {"C2910", "C2819"}, 0},
      {"shanghai-free-trade-zone", {"G4690", "K6430"}, 0}}},
    {"Beijing", "beijing", "Beijing", "北京", 60,
     {{"zhongguancun", {"J6201", "M7210"}, 0}, {"yizhuang-economic-zone", {"C3250", "C2660"}, 0}}},
    {"Tianjin", "tianjin", "Tianjin", "天津", 30,
     {{"binhai-new-area", {"C2816", "H5229"}, 0}}},
    {"Shandong", "qingdao", "Qingdao", "青岛", 40,
     {{"sino-german-ecopark-qingdao", {"C2819", "D3510"}, 25}}},
    {"Shandong", "jinan", "Jinan", "济南", 20,
     {{"jinan-hi-tech-zone", {"C2822", "J6202"}, 0}}},
    {"Shandong", "yantai", "Yantai", "烟台", 15,
     {{"yantai-sino-korean-industrial-park", {"C2930", "C2610"}, 0}}},
    {"Fujian", "xiamen", "Xiamen", "厦门", 30,
     {{"xiamen-torch-hi-tech-zone", {"C2640", "C2740"}, 0}}},
    {"Fujian", "jinjiang", "Jinjiang", "晋江", 20,
     {{"jinjiang-footwear", {"C1520", "C1410"}, 0}}},
    {"Sichuan", "chengdu", "Chengdu", "成都", 45,
     {{"chengdu-hi-tech-zone", {"J6201", "C2610"}, 0}, {"sino-german-pujiang", {"C2819", NULL}, 10}}},
    {"Chongqing", "chongqing", "Chongqing", "重庆", 40,
     {{"liangjiang-new-area", {"C2910", "C2620"}, 0}}},
    {"Hubei", "wuhan", "Wuhan", "武汉", 40,
     {{"optics-valley", {"C2670", "C2630"}, 0}}},
    {"Hunan", "changsha", "Changsha", "长沙", 25,
     {{"changsha-economic-zone", {"C2829", "C2816"}, 0}}},
    {"Anhui", "hefei", "Hefei", "合肥", 30,
     {{"hefei-hi-tech-zone", {"C2720", "C2750"}, 0}}},
    {"Henan", "zhengzhou", "Zhengzhou", "郑州", 25,
     {{"zhengzhou-airport-economy-zone", {"C2630", "H5229"}, 0}}},
    {"Liaoning", "shenyang", "Shenyang", "沈阳", 20,
     {{"sino-german-shenyang", {"C2910", "C2822"}, 0}}},
    {"Liaoning", "dalian", "Dalian", "大连", 20,
     {{"dalian-jinpu-new-area", {"C3011", "C2813"}, 0}}},
    {"Guangxi", "nanning", "Nanning", "南宁", 15,
     {{"china-asean-nanning", {"G4690", "C1079"}, 0}}},
    {"Hainan", "haikou", "Haikou", "海口", 10,
     {{"hainan-free-trade-port", {"G4791", "I5510"}, 0}}},
    {"Yunnan", "kunming", "Kunming", "昆明", 10,
     {{NULL, {NULL, NULL}, 0}}},
    {"Fujian", "anxi", "Anxi", "安溪", 6,
     {{"anxi-tea", {"A0127", "C1079"}, 0}}},
};

static const struct vocab_region de_regions[] = {
    {"Bavaria", "bavaria", "Munich", NULL, 30, {{0}}},
    {"Baden-Württemberg", "baden-wuerttemberg", "Stuttgart", NULL, 30, {{0}}},
    {"North Rhine-Westphalia", "north-rhine-westphalia", "Düsseldorf", NULL, 30,
     {{"china-competence-center-duesseldorf", {NULL, NULL}, 0}}},
    {"Hesse", "hesse", "Frankfurt am Main", NULL, 15, {{0}}},
    {"Lower Saxony", "lower-saxony", "Hanover", NULL, 12, {{0}}},
    {"Saxony", "saxony", "Dresden", NULL, 10, {{0}}},
    {"Hamburg", "hamburg", "Hamburg", NULL, 12, {{0}}},
    {"Berlin", "berlin", "Berlin", NULL, 12, {{0}}},
};
static const struct vocab_region us_regions[] = {
    {"California", "california", "San Jose", NULL, 30, {{0}}},
    {"Texas", "texas", "Houston", NULL, 20, {{0}}},
    {"New York", "new-york", "New York", NULL, 20, {{0}}},
    {"Illinois", "illinois", "Chicago", NULL, 12, {{0}}},
    {"Michigan", "michigan", "Detroit", NULL, 10, {{0}}},
    {"Ohio", "ohio", "Columbus", NULL, 8, {{0}}},
    {"Georgia", "georgia", "Atlanta", NULL, 8, {{0}}},
    {"Washington", "washington", "Seattle", NULL, 8, {{0}}},
};
static const struct vocab_region fr_regions[] = {
    {"Île-de-France", "ile-de-france", "Paris", NULL, 30, {{0}}},
    {"Auvergne-Rhône-Alpes", "auvergne-rhone-alpes", "Lyon", NULL, 20, {{0}}},
    {"Occitanie", "occitanie", "Toulouse", NULL, 10, {{0}}},
    {"Hauts-de-France", "hauts-de-france", "Lille", NULL, 10, {{0}}},
    {"Grand Est", "grand-est", "Strasbourg", NULL, 8, {{0}}},
    {"Provence-Alpes-Côte d'Azur", "provence-alpes-cote-dazur", "Marseille", NULL, 10, {{0}}},
};
static const struct vocab_region it_regions[] = {
    {"Lombardy", "lombardy", "Milan", NULL, 30, {{0}}},
    {"Veneto", "veneto", "Padua", NULL, 15, {{0}}},
    {"Emilia-Romagna", "emilia-romagna", "Bologna", NULL, 15, {{0}}},
    {"Piedmont", "piedmont", "Turin", NULL, 12, {{0}}},
    {"Tuscany", "tuscany", "Florence", NULL, 10, {{0}}},
    {"Lazio", "lazio", "Rome", NULL, 10, {{0}}},
};
static const struct vocab_region gb_regions[] = {
    {"London", "london", "London", NULL, 30, {{0}}},
    {"North West England", "north-west-england", "Manchester", NULL, 12, {{0}}},
    {"West Midlands", "west-midlands", "Birmingham", NULL, 12, {{0}}},
    {"Scotland", "scotland", "Glasgow", NULL, 8, {{0}}},
    {"Wales", "wales", "Cardiff", NULL, 5, {{0}}},
};
static const struct vocab_region jp_regions[] = {
    {"Tokyo", "tokyo", "Tokyo", NULL, 30, {{0}}},
    {"Osaka", "osaka", "Osaka", NULL, 20, {{0}}},
    {"Aichi", "aichi", "Nagoya", NULL, 15, {{0}}},
    {"Kanagawa", "kanagawa", "Yokohama", NULL, 10, {{0}}},
    {"Fukuoka", "fukuoka", "Fukuoka", NULL, 8, {{0}}},
};
static const struct vocab_region kr_regions[] = {
    {"Seoul", "seoul", "Seoul", NULL, 30, {{0}}},
    {"Gyeonggi", "gyeonggi", "Suwon", NULL, 20, {{0}}},
    {"Busan", "busan", "Busan", NULL, 10, {{0}}},
    {"Incheon", "incheon", "Incheon", NULL, 8, {{0}}},
    {"Ulsan", "ulsan", "Ulsan", NULL, 6, {{0}}},
};
static const struct vocab_region vn_regions[] = {
    {"Ho Chi Minh City", "ho-chi-minh-city", "Ho Chi Minh City", NULL, 30, {{0}}},
    {"Hanoi", "hanoi", "Hanoi", NULL, 25, {{0}}},
    {"Bình Dương", "binh-duong", "Thủ Dầu Một", NULL, 12, {{0}}},
    {"Hải Phòng", "hai-phong", "Hải Phòng", NULL, 10,
     {{"vsip-hai-phong", {NULL, NULL}, 0}}},
    {"Đà Nẵng", "da-nang", "Đà Nẵng", NULL, 6, {{0}}},
};
static const struct vocab_region th_regions[] = {
    {"Bangkok", "bangkok", "Bangkok", NULL, 30, {{0}}},
    {"Chonburi", "chonburi", "Chonburi", NULL, 12, {{0}}},
    {"Rayong", "rayong", "Rayong", NULL, 10, {{"thai-chinese-rayong", {NULL, NULL}, 0}}},
};
static const struct vocab_region my_regions[] = {
    {"Selangor", "selangor", "Shah Alam", NULL, 25, {{0}}},
    {"Penang", "penang", "George Town", NULL, 15, {{0}}},
    {"Johor", "johor", "Johor Bahru", NULL, 12, {{0}}},
    {"Kuala Lumpur", "kuala-lumpur", "Kuala Lumpur", NULL, 20, {{0}}},
    {"Pahang", "pahang", "Kuantan", NULL, 4, {{"malaysia-china-kuantan", {NULL, NULL}, 0}}},
};
static const struct vocab_region sg_regions[] = {
    {"Singapore", "singapore", "Singapore", NULL, 10, {{0}}},
};
static const struct vocab_region in_regions[] = {
    {"Maharashtra", "maharashtra", "Mumbai", NULL, 25, {{0}}},
    {"Karnataka", "karnataka", "Bengaluru", NULL, 20, {{0}}},
    {"Tamil Nadu", "tamil-nadu", "Chennai", NULL, 15, {{0}}},
    {"Gujarat", "gujarat", "Ahmedabad", NULL, 12, {{0}}},
    {"Delhi", "delhi", "New Delhi", NULL, 15, {{0}}},
};
static const struct vocab_region br_regions[] = {
    {"São Paulo", "sao-paulo", "São Paulo", NULL, 30, {{0}}},
    {"Rio de Janeiro", "rio-de-janeiro", "Rio de Janeiro", NULL, 12, {{0}}},
    {"Minas Gerais", "minas-gerais", "Belo Horizonte", NULL, 10, {{0}}},
    {"Paraná", "parana", "Curitiba", NULL, 8, {{0}}},
    {"Santa Catarina", "santa-catarina", "Joinville", NULL, 6, {{0}}},
};
static const struct vocab_region mx_regions[] = {
    {"Nuevo León", "nuevo-leon", "Monterrey", NULL, 20, {{0}}},
    {"Jalisco", "jalisco", "Guadalajara", NULL, 12, {{0}}},
    {"Mexico City", "mexico-city", "Mexico City", NULL, 20, {{0}}},
    {"Guanajuato", "guanajuato", "León", NULL, 8, {{0}}},
};
static const struct vocab_region pl_regions[] = {
    {"Masovia", "masovia", "Warsaw", NULL, 25, {{0}}},
    {"Lesser Poland", "lesser-poland", "Kraków", NULL, 12, {{0}}},
    {"Silesia", "silesia", "Katowice", NULL, 12, {{0}}},
    {"Łódź", "lodz", "Łódź", NULL, 10, {{0}}},
    {"Greater Poland", "greater-poland", "Poznań", NULL, 10, {{0}}},
};
static const struct vocab_region nl_regions[] = {
    {"North Holland", "north-holland", "Amsterdam", NULL, 20, {{0}}},
    {"South Holland", "south-holland", "Rotterdam", NULL, 20, {{0}}},
    {"North Brabant", "north-brabant", "Eindhoven", NULL, 15, {{0}}},
    {"Utrecht", "utrecht", "Utrecht", NULL, 8, {{0}}},
};
static const struct vocab_region es_regions[] = {
    {"Catalonia", "catalonia", "Barcelona", NULL, 25, {{0}}},
    {"Madrid", "madrid", "Madrid", NULL, 25, {{0}}},
    {"Valencia", "valencia", "Valencia", NULL, 12, {{0}}},
    {"Basque Country", "basque-country", "Bilbao", NULL, 10, {{0}}},
    {"Andalusia", "andalusia", "Seville", NULL, 8, {{0}}},
};
static const struct vocab_region tr_regions[] = {
    {"Istanbul", "istanbul", "Istanbul", NULL, 30, {{0}}},
    {"Bursa", "bursa", "Bursa", NULL, 12, {{0}}},
    {"İzmir", "izmir", "İzmir", NULL, 12, {{0}}},
    {"Ankara", "ankara", "Ankara", NULL, 10, {{0}}},
};
static const struct vocab_region ae_regions[] = {
    {"Dubai", "dubai", "Dubai", NULL, 30, {{"jebel-ali-free-zone", {NULL, NULL}, 0}}},
    {"Abu Dhabi", "abu-dhabi", "Abu Dhabi", NULL, 15, {{0}}},
    {"Sharjah", "sharjah", "Sharjah", NULL, 6, {{0}}},
};
static const struct vocab_region za_regions[] = {
    {"Gauteng", "gauteng", "Johannesburg", NULL, 30, {{0}}},
    {"Western Cape", "western-cape", "Cape Town", NULL, 15, {{0}}},
    {"KwaZulu-Natal", "kwazulu-natal", "Durban", NULL, 10, {{0}}},
};
static const struct vocab_region ke_regions[] = {
    {"Nairobi", "nairobi", "Nairobi", NULL, 30, {{0}}},
    {"Mombasa", "mombasa", "Mombasa", NULL, 10, {{0}}},
};
static const struct vocab_region ng_regions[] = {
    {"Lagos", "lagos", "Lagos", NULL, 30, {{"lekki-free-trade-zone", {NULL, NULL}, 0}}},
    {"Federal Capital Territory", "abuja", "Abuja", NULL, 12, {{0}}},
    {"Kano", "kano", "Kano", NULL, 8, {{0}}},
};
static const struct vocab_region eg_regions[] = {
    {"Cairo", "cairo", "Cairo", NULL, 30, {{0}}},
    {"Alexandria", "alexandria", "Alexandria", NULL, 12, {{0}}},
    {"Suez", "suez", "Suez", NULL, 8, {{"china-egypt-teda-suez", {NULL, NULL}, 0}}},
};
static const struct vocab_region au_regions[] = {
    {"New South Wales", "new-south-wales", "Sydney", NULL, 30, {{0}}},
    {"Victoria", "victoria", "Melbourne", NULL, 25, {{0}}},
    {"Queensland", "queensland", "Brisbane", NULL, 12, {{0}}},
    {"Western Australia", "western-australia", "Perth", NULL, 10, {{0}}},
};
static const struct vocab_region ca_regions[] = {
    {"Ontario", "ontario", "Toronto", NULL, 30, {{0}}},
    {"Québec", "quebec", "Montréal", NULL, 15, {{0}}},
    {"British Columbia", "british-columbia", "Vancouver", NULL, 15, {{0}}},
    {"Alberta", "alberta", "Calgary", NULL, 8, {{0}}},
};
static const struct vocab_region ru_regions[] = {
    {"Moscow", "moscow", "Moscow", NULL, 30, {{0}}},
    {"Saint Petersburg", "saint-petersburg", "Saint Petersburg", NULL, 12, {{0}}},
    {"Tatarstan", "tatarstan", "Kazan", NULL, 6, {{0}}},
};
static const struct vocab_region id_regions[] = {
    {"Jakarta", "jakarta", "Jakarta", NULL, 30, {{0}}},
    {"West Java", "west-java", "Bekasi", NULL, 15, {{0}}},
    {"East Java", "east-java", "Surabaya", NULL, 12, {{0}}},
    {"Riau Islands", "riau-islands", "Batam", NULL, 6, {{"batam-free-trade-zone", {NULL, NULL}, 0}}},
};
static const struct vocab_region sa_regions[] = {
    {"Riyadh", "riyadh", "Riyadh", NULL, 25, {{0}}},
    {"Eastern Province", "eastern-province", "Dammam", NULL, 12, {{0}}},
    {"Makkah", "makkah", "Jeddah", NULL, 12, {{0}}},
};
static const struct vocab_region ch_regions[] = {
    {"Zurich", "zurich", "Zürich", NULL, 20, {{0}}},
    {"Geneva", "geneva", "Geneva", NULL, 10, {{0}}},
    {"Basel-Stadt", "basel", "Basel", NULL, 10, {{0}}},
    {"Ticino", "ticino", "Lugano", NULL, 4, {{0}}},
};
static const struct vocab_region se_regions[] = {
    {"Stockholm", "stockholm", "Stockholm", NULL, 20, {{0}}},
    {"Västra Götaland", "vastra-gotaland", "Gothenburg", NULL, 12, {{0}}},
    {"Skåne", "skane", "Malmö", NULL, 8, {{0}}},
};
static const struct vocab_region at_regions[] = {
    {"Vienna", "vienna", "Vienna", NULL, 20, {{0}}},
    {"Upper Austria", "upper-austria", "Linz", NULL, 12, {{0}}},
    {"Styria", "styria", "Graz", NULL, 10, {{0}}},
};
static const struct vocab_region be_regions[] = {
    {"Antwerp", "antwerp", "Antwerp", NULL, 15, {{0}}},
    {"Brussels-Capital", "brussels", "Brussels", NULL, 15, {{0}}},
    {"East Flanders", "east-flanders", "Ghent", NULL, 8, {{0}}},
};
static const struct vocab_region cz_regions[] = {
    {"Prague", "prague", "Prague", NULL, 20, {{0}}},
    {"South Moravia", "south-moravia", "Brno", NULL, 10, {{0}}},
};
static const struct vocab_region hu_regions[] = {
    {"Budapest", "budapest", "Budapest", NULL, 20, {{0}}},
    {"Győr-Moson-Sopron", "gyor-moson-sopron", "Győr", NULL, 8, {{0}}},
    {"Borsod-Abaúj-Zemplén", "borsod", "Miskolc", NULL, 4,
     {{"china-hungary-borsod", {NULL, NULL}, 0}}},
};
static const struct vocab_region kz_regions[] = {
    {"Almaty", "almaty", "Almaty", NULL, 20, {{"khorgos-gateway", {NULL, NULL}, 0}}},
    {"Astana", "astana", "Astana", NULL, 10, {{0}}},
};
static const struct vocab_region pk_regions[] = {
    {"Punjab", "punjab", "Lahore", NULL, 20, {{0}}},
    {"Sindh", "sindh", "Karachi", NULL, 20, {{0}}},
};
static const struct vocab_region cl_regions[] = {
    {"Santiago Metropolitan", "santiago", "Santiago", NULL, 20, {{0}}},
    {"Valparaíso", "valparaiso", "Valparaíso", NULL, 6, {{0}}},
};
static const struct vocab_region gr_regions[] = {
    {"Attica", "attica", "Piraeus", NULL, 20, {{0}}},
    {"Central Macedonia", "central-macedonia", "Thessaloniki", NULL, 8, {{0}}},
};

/* ---- personal names ---- */
static const struct vocab_culture cul_de = {
    {"Thomas", "Michael", "Andreas", "Stefan", "Katrin", "Sabine", "Julia", "Jürgen", "Jörg",
     "Anna", "Lukas", "Sophie", "Matthias", "Uwe", "Birgit", NULL},
    {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
     "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
     "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", NULL}};
static const struct vocab_culture cul_fr = {
    {"Jean", "Marie", "Pierre", "Sophie", "Nicolas", "Camille", "François", "Isabelle", "Julien",
     "Céline", "Hélène", "Antoine", NULL},
    {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
     "Moreau", "Lefèvre", "Girard", "Mercier", "Faure", "Rousseau", NULL}};
static const struct vocab_culture cul_it = {
    {"Marco", "Giulia", "Alessandro", "Francesca", "Luca", "Chiara", "Giuseppe", "Elena", "Matteo",
     "Paola", NULL},
    {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
     "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", NULL}};
static const struct vocab_culture cul_en = {
    {"James", "John", "Robert", "Mary", "Patricia", "Jennifer", "Michael", "David", "Sarah", "Emma",
     "Oliver", "Emily", "Daniel", "Laura", "Chris", NULL},
    {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
     "Anderson", "Thomas", "Moore", "Clark", "Walker", "Baker", "Evans", "Wright", "Hughes",
     "Green", "Hill", "O'Brien", NULL}};
static const struct vocab_culture cul_es = {
    {"Carlos", "María", "José", "Lucía", "Javier", "Carmen", "Miguel", "Ana", "Pablo", "Sofía",
     "Alejandro", NULL},
    {"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
     "Gómez", "Díaz", "Ruiz", "Hernández", "Jiménez", "Moreno", NULL}};
static const struct vocab_culture cul_pt = {
    {"João", "Maria", "Pedro", "Ana", "Lucas", "Juliana", "Rafael", "Fernanda", "Gabriel",
     "Beatriz", NULL},
    {"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Rodrigues", "Almeida",
     "Nascimento", "Lima", "Araújo", "Carvalho", NULL}};
static const struct vocab_culture cul_jp = {
    {"Hiroshi", "Takashi", "Yuki", "Kenji", "Akiko", "Yoko", "Daisuke", "Naoko", "Satoshi",
     "Haruka", NULL},
    {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
     "Kobayashi", "Kato", "Yoshida", "Yamada", NULL}};
static const struct vocab_culture cul_kr = {
    {"Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Dong-hyun", "Soo-jin", "Jae-won", "Eun-ji", NULL},
    {"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", NULL}};
static const struct vocab_culture cul_vn = {
    {"Minh", "Lan", "Hùng", "Hương", "Tuấn", "Mai", "Đức", "Linh", "Anh", "Thảo", NULL},
    {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", NULL}};
static const struct vocab_culture cul_pl = {
    {"Piotr", "Anna", "Krzysztof", "Katarzyna", "Tomasz", "Agnieszka", "Paweł", "Magdalena",
     "Michał", "Joanna", NULL},
    {"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
     "Zieliński", "Szymański", "Woźniak", NULL}};
static const struct vocab_culture cul_nl = {
    {"Jan", "Pieter", "Sanne", "Lotte", "Daan", "Emma", "Bram", "Femke", NULL},
    {"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit",
     "Meijer", "de Boer", NULL}};
static const struct vocab_culture cul_tr = {
    {"Mehmet", "Ayşe", "Mustafa", "Fatma", "Ahmet", "Emine", "Ali", "Zeynep", "Emre", "Elif", NULL},
    {"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın",
     "Özdemir", NULL}};
static const struct vocab_culture cul_ar = {
    {"Mohammed", "Ahmed", "Fatima", "Omar", "Layla", "Khalid", "Youssef", "Mariam", "Hassan",
     "Nour", NULL},
    {"Al Mansouri", "Al Hashimi", "Haddad", "Nasser", "El Sayed", "Hassan", "Abdullah", "Khalil",
     "Farouk", "Saleh", NULL}};
static const struct vocab_culture cul_in = {
    {"Rahul", "Priya", "Amit", "Anjali", "Vikram", "Sneha", "Arjun", "Neha", "Sanjay", "Kavita",
     NULL},
    {"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Mehta", "Shah", "Nair", NULL}};
static const struct vocab_culture cul_th = {
    {"Somchai", "Suda", "Anan", "Malee", "Niran", "Ploy", "Kittisak", "Pim", NULL},
    {"Srisuk", "Wongsawat", "Chaiyaphum", "Boonmee", "Saetang", "Rattanakorn", "Kongkaew",
     "Thongchai", NULL}};
static const struct vocab_culture cul_ms = {
    {"Ahmad", "Siti", "Muhammad", "Nurul", "Aziz", "Farah", "Hafiz", "Aisyah", "Budi", "Dewi",
     "Wei Ling", NULL},
    {"Ismail", "Abdullah", "Rahman", "Hassan", "Tan", "Lim", "Wijaya", "Santoso", "Hakim",
     "Salleh", "Ng", NULL}};
static const struct vocab_culture cul_ru = {
    {"Alexei", "Dmitry", "Elena", "Olga", "Sergei", "Natalia", "Ivan", "Anna", "Aigerim", NULL},
    {"Ivanov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Petrov", "Morozov",
     "Nurlanov", NULL}};
static const struct vocab_culture cul_se = {
    {"Erik", "Anna", "Lars", "Maria", "Johan", "Karin", "Anders", "Emma", NULL},
    {"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
     "Åberg", NULL}};
static const struct vocab_culture cul_cz = {
    {"Jan", "Petr", "Jana", "Eva", "Tomáš", "Lucie", "László", "István", "Katalin", "Zsófia", NULL},
    {"Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Nagy", "Kovács", "Tóth",
     "Szabó", "Horváth", NULL}};
static const struct vocab_culture cul_af = {
    {"Grace", "Peter", "Wanjiru", "Otieno", "Chinedu", "Amina", "Thabo", "Naledi", "Samuel",
     "Joy", NULL},
    {"Kamau", "Mwangi", "Ochieng", "Adeyemi", "Okafor", "Bello", "Eze", "Nkosi", "Dlamini",
     "Naidoo", "Botha", "Mokoena", NULL}};
static const struct vocab_culture cul_gr = {
    {"Giorgos", "Maria", "Nikos", "Eleni", "Dimitris", "Katerina", NULL},
    {"Papadopoulos", "Georgiou", "Nikolaidis", "Konstantinou", "Ioannou", NULL}};

const struct vocab_cn_name vocab_cn_surnames[] = {
    {"Li", "李"}, {"Wang", "王"}, {"Zhang", "张"}, {"Liu", "刘"}, {"Chen", "陈"}, {"Yang", "杨"},
    {"Zhao", "赵"}, {"Huang", "黄"}, {"Zhou", "周"}, {"Wu", "吴"}, {"Xu", "徐"}, {"Sun", "孙"},
    {"Hu", "胡"}, {"Zhu", "朱"}, {"Gao", "高"}, {"Lin", "林"}, {"He", "何"}, {"Guo", "郭"},
    {"Ma", "马"}, {"Luo", "罗"}, {"Ye", "叶"}, {"Song", "宋"},
};
const size_t vocab_cn_surnames_len = sizeof(vocab_cn_surnames) / sizeof(vocab_cn_surnames[0]);

const struct vocab_cn_name vocab_cn_given[] = {
    {"Wei", "伟"}, {"Fang", "芳"}, {"Na", "娜"}, {"Min", "敏"}, {"Jing", "静"}, {"Lei", "磊"},
    {"Jun", "军"}, {"Yan", "燕"}, {"Tao", "涛"}, {"Ming", "明"}, {"Hui", "辉"}, {"Qiang", "强"},
    {"Xiaoming", "晓明"}, {"Jianguo", "建国"}, {"Haiyan", "海燕"}, {"Lili", "丽丽"},
    {"Zhiqiang", "志强"}, {"Yufei", "宇飞"}, {"Chao", "超"}, {"Xin", "鑫"}, {"Jiayi", "佳怡"},
    {"Hao", "浩"}, {"Yuting", "雨婷"}, {"Guoqing", "国庆"},
};
const size_t vocab_cn_given_len = sizeof(vocab_cn_given) / sizeof(vocab_cn_given[0]);

const struct vocab_cn_name vocab_cn_brand[] = {
    {"hua", "华"}, {"xin", "鑫"}, {"da", "达"}, {"heng", "恒"}, {"tai", "泰"}, {"jin", "金"},
    {"long", "龙"}, {"tian", "天"}, {"yuan", "源"}, {"hong", "宏"}, {"rui", "瑞"}, {"feng", "丰"},
    {"zhong", "中"}, {"ke", "科"}, {"hai", "海"}, {"yong", "永"}, {"sheng", "盛"}, {"bo", "博"},
    {"kai", "凯"}, {"ming", "明"}, {"yang", "阳"}, {"fu", "富"}, {"jia", "佳"}, {"xing", "星"},
    {"chuang", "创"}, {"li", "利"}, {"de", "德"}, {"an", "安"}, {"yu", "宇"}, {"tong", "通"},
    {"zheng", "正"}, {"cheng", "诚"}, {"hui", "汇"}, {"qi", "启"}, {"guang", "光"}, {"run", "润"},
    {"ao", "奥"}, {"wei", "威"}, {"mei", "美"}, {"shun", "顺"}, {"pu", "普"}, {"lian", "联"},
};
const size_t vocab_cn_brand_len = sizeof(vocab_cn_brand) / sizeof(vocab_cn_brand[0]);

/* ---- countries ---- */
const struct vocab_country vocab_countries[] = {
    {"CN", "China", "中国", {"zh"}, "86", NULL, NULL, NULL, NULL, 450, 820, ARR(cn_regions)},
    {"DE", "Germany", "德国", {"de"}, "49", "GmbH", "AG", NULL, &cul_de, 70, 70, ARR(de_regions)},
    {"US", "the United States", "美国", {"en"}, "1", "Inc.", "Corporation", NULL, &cul_en, 60, 0,
     ARR(us_regions)},
    {"FR", "France", "法国", {"fr"}, "33", "SAS", "SA", NULL, &cul_fr, 30, 45, ARR(fr_regions)},
    {"IT", "Italy", "意大利", {"it"}, "39", "S.r.l.", "S.p.A.", NULL, &cul_it, 30, 45, ARR(it_regions)},
    {"GB", "the United Kingdom", "英国", {"en"}, "44", "Ltd", "plc", NULL, &cul_en, 30, 10,
     ARR(gb_regions)},
    {"JP", "Japan", "日本", {"ja"}, "81", "Co., Ltd.", "Corporation", NULL, &cul_jp, 30, 0,
     ARR(jp_regions)},
    {"KR", "South Korea", "韩国", {"ko"}, "82", "Co., Ltd.", "Corp.", NULL, &cul_kr, 25, 0,
     ARR(kr_regions)},
    {"VN", "Vietnam", "越南", {"vi"}, "84", "JSC", "Group JSC", NULL, &cul_vn, 20, 0, ARR(vn_regions)},
    {"TH", "Thailand", "泰国", {"th"}, "66", "Co., Ltd.", "PCL", NULL, &cul_th, 15, 0, ARR(th_regions)},
    {"MY", "Malaysia", "马来西亚", {"ms", "zh"}, "60", "Sdn. Bhd.", "Berhad", NULL, &cul_ms, 15, 0,
     ARR(my_regions)},
    {"SG", "Singapore", "新加坡", {"en", "zh"}, "65", "Pte. Ltd.", "Ltd", NULL, &cul_ms, 15, 0,
     ARR(sg_regions)},
    {"IN", "India", "印度", {"hi", "en"}, "91", "Pvt. Ltd.", "Ltd.", NULL, &cul_in, 20, 0,
     ARR(in_regions)},
    {"BR", "Brazil", "巴西", {"pt"}, "55", "Ltda.", "S.A.", NULL, &cul_pt, 15, 0, ARR(br_regions)},
    {"MX", "Mexico", "墨西哥", {"es"}, "52", "S.A. de C.V.", "S.A.B. de C.V.", NULL, &cul_es, 10, 0,
     ARR(mx_regions)},
    {"PL", "Poland", "波兰", {"pl"}, "48", "Sp. z o.o.", "S.A.", NULL, &cul_pl, 12, 15,
     ARR(pl_regions)},
    {"NL", "the Netherlands", "荷兰", {"nl"}, "31", "B.V.", "N.V.", NULL, &cul_nl, 15, 20,
     ARR(nl_regions)},
    {"ES", "Spain", "西班牙", {"es"}, "34", "S.L.", "S.A.", NULL, &cul_es, 15, 25, ARR(es_regions)},
    {"TR", "Turkey", "土耳其", {"tr"}, "90", "Ltd. Şti.", "A.Ş.", NULL, &cul_tr, 10, 0,
     ARR(tr_regions)},
    {"AE", "the United Arab Emirates", "阿联酋", {"ar"}, "971", "LLC", "PJSC", NULL, &cul_ar, 10, 0,
     ARR(ae_regions)},
    {"ZA", "South Africa", "南非", {"en", "af"}, "27", "(Pty) Ltd", "Ltd", NULL, &cul_af, 8, 0,
     ARR(za_regions)},
    {"KE", "Kenya", "肯尼亚", {"sw", "en"}, "254", "Ltd", "Plc", NULL, &cul_af, 5, 0, ARR(ke_regions)},
    {"NG", "Nigeria", "尼日利亚", {"en"}, "234", "Ltd", "Plc", NULL, &cul_af, 5, 0, ARR(ng_regions)},
    {"EG", "Egypt", "埃及", {"ar"}, "20", "LLC", "S.A.E.", NULL, &cul_ar, 6, 0, ARR(eg_regions)},
    {"AU", "Australia", "澳大利亚", {"en"}, "61", "Pty Ltd", "Ltd", NULL, &cul_en, 10, 0,
     ARR(au_regions)},
    {"CA", "Canada", "加拿大", {"en", "fr"}, "1", "Inc.", "Corp.", NULL, &cul_en, 10, 0,
     ARR(ca_regions)},
    {"RU", "Russia", "俄罗斯", {"ru"}, "7", "LLC", "JSC", NULL, &cul_ru, 8, 0, ARR(ru_regions)},
    {"ID", "Indonesia", "印度尼西亚", {"id"}, "62", "", "Tbk", "PT", &cul_ms, 12, 0,
     ARR(id_regions)},
    {"SA", "Saudi Arabia", "沙特阿拉伯", {"ar"}, "966", "LLC", "Co.", NULL, &cul_ar, 6, 0,
     ARR(sa_regions)},
    {"CH", "Switzerland", "瑞士", {"de", "fr"}, "41", "GmbH", "AG", NULL, &cul_de, 10, 6,
     ARR(ch_regions)},
    {"SE", "Sweden", "瑞典", {"sv"}, "46", "AB", "AB (publ)", NULL, &cul_se, 6, 8, ARR(se_regions)},
    {"AT", "Austria", "奥地利", {"de"}, "43", "GmbH", "AG", NULL, &cul_de, 6, 12, ARR(at_regions)},
    {"BE", "Belgium", "比利时", {"nl", "fr"}, "32", "BV", "NV", NULL, &cul_nl, 6, 10, ARR(be_regions)},
    {"CZ", "Czechia", "捷克", {"cs"}, "420", "s.r.o.", "a.s.", NULL, &cul_cz, 5, 8, ARR(cz_regions)},
    {"HU", "Hungary", "匈牙利", {"hu"}, "36", "Kft.", "Zrt.", NULL, &cul_cz, 5, 8, ARR(hu_regions)},
    {"KZ", "Kazakhstan", "哈萨克斯坦", {"kk", "ru"}, "7", "LLP", "JSC", NULL, &cul_ru, 4, 0,
     ARR(kz_regions)},
    {"PK", "Pakistan", "巴基斯坦", {"ur", "en"}, "92", "(Pvt.) Ltd.", "Ltd.", NULL, &cul_in, 4, 0,
     ARR(pk_regions)},
    {"CL", "Chile", "智利", {"es"}, "56", "SpA", "S.A.", NULL, &cul_es, 4, 0, ARR(cl_regions)},
    {"GR", "Greece", "希腊", {"el"}, "30", "S.A.", "S.A.", NULL, &cul_gr, 3, 4, ARR(gr_regions)},
};
const size_t vocab_countries_len = sizeof(vocab_countries) / sizeof(vocab_countries[0]);
