"""Embedded name lists: Chinese surnames, common US given names and surnames.

Typed in from public sources (the 《百家姓》 and the Ministry of Public Security's surname
frequency rankings; US Census 2010 surname frequencies; SSA baby-name rankings over the
last eighty years). They are evidence, not a gazetteer: a token in a list makes a name
more likely, and cue words and capitalisation decide. No list is loaded from a package
at run time, so detection needs nothing downloaded.
"""

from __future__ import annotations


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


# -- Chinese ---------------------------------------------------------------------------

# Single-character surnames, roughly by frequency (about 380).
ZH_SURNAMES_SINGLE = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀"
    "郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴"
    "丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况那宿鲜"
    "印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧"
    "闭由蔚桓钮龙禄翦钭滑郦充宓蓬郗汲邴糜松井富乜养须丘钦贲邓萧赖洪"
)

# Compound surnames (复姓).
ZH_SURNAMES_COMPOUND = _words(
    "欧阳 司马 诸葛 上官 东方 夏侯 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 独孤 南宫 西门 端木"
    " 百里 呼延 轩辕 澹台 公羊 太史 申屠 淳于 单于 闻人 万俟 赫连 钟离 宗政 濮阳 公冶 仲孙 第五"
    " 东郭 拓跋 左丘 梁丘 司空 亓官 司寇 子车 颛孙 巫马 公西 漆雕 乐正 壤驷 谷梁 宰父 段干 百里"
    " 呼延 羊舌 微生 公良 夹谷 公门 南门 东门 西门"
)

# Surname characters that are also everyday words in clinical Chinese (于 "at", 高 "high",
# 白 "white", 全 "whole" ...). After a weak cue they need a hard boundary after the name.
ZH_AMBIGUOUS_SURNAMES = frozenset(
    "于和国门云来都平相初信展由但干利公元海花强区位原南明全应师司时阳路成单文安常向万史石白方"
    "余阿丁乌艾左康宁米沙索舒包项解连管边普浦麻伊吉柯甘华雷苏金戴叶任程龙田高黄江双关房谈那危"
    "支计宣门容敬井居揭束衣智幸富闭查由"
)

# Characters that essentially never occur in a given name but often follow a surname-like
# character in clinical text (function words, body parts, symptoms, units, wards).
ZH_NON_GIVEN = frozenset(
    "的了是在因于和与及等或被把将对从向自由为以所而且但并也都就还已曾未无不没有个这那其该此每各"
    "些们者诉述示见行做查服用给予突反复既持伴感觉诊治住院门急科室区床病患医护药术疗检症痛炎癌瘤"
    "血压糖尿便热咳痰吐泻肿胀伤骨肝肾肺胃肠脑腹胸背腰颈头晕吸氧针剂片粒支次天周年月日时分岁男女"
    "性左右上下内外前后间处部侧位型期级度量率值号床例组份话颤疸染斑带细酸碱钠钾钙镁铁锌磷氯"
    "膜管腺囊结节核瘘窦道窗口鼻眼耳牙舌喉咽齿皮肤毛发甲爪掌指趾肘膝踝髋肩臂腿足手脚臀肛阴乳"
    "状态况情形样式类种项条件点线面体积块团片层壁腔缘端根尖底顶表里负阴低升降增减少多"
    "长短粗宽窄厚薄深浅硬软冷湿干浊黄白黑绿紫灰色"
)

# Two-character words that begin with a surname character and are common in notes.
ZH_NOT_NAMES = _words(
    "黄疸 黄染 黄色 白斑 白带 白色 白细 高热 高烧 高龄 高危 高压 高血 高度 常规 常见 全身 全麻 全科"
    " 平素 平卧 平扫 明显 明确 安静 安定 方案 方可 石膏 时有 时感 时常 何时 于是 向心 华法 甘露"
    " 苏醒 雷米 阿司 阿托 阿莫 阿奇 利尿 利多 伊马 吉西 乌司 来曲 艾司 左氧 左侧 罗红 康复 米索"
    " 司可 沙丁 索拉 舒芬 金黄 包块 项目 解热 连续 管床 管理 边缘 门诊 原发 应用 单侧 区域 位于"
    " 相关 初步 初诊 来院 普通 由于 干咳 强直 阳性 成人 文献 万古 史载 田间 龚氏 胡言 江湖 龙胆"
    " 钟点 孔径 杜冷 卡托 丁香 丁卡 麻醉 麻木 林格 马来 柯萨 罗哌 罗库 潘生 毛细 毛发 贝伐 曲美"
    " 曲马 曲妥 帕妥 雷贝 雷尼 雷公 秦艽 葛根 黄芪 黄芩 黄连 黄柏 白芍 白术 白芷 白蛋 白介 白血"
    " 冯氏 何氏 关节 双侧 双肺 房颤 房室 谈话 都有 那么 危险 危重 支气 支架 计划 宣教 容易 敬请"
    " 井喷 居家 揭示 束支 衣物 智力 幸运 富含 闭合 钱币 严重 严格 武器 温度 温和 施行 易感 齐全"
    " 乔迁 庞大 颜色 倪氏 庄重 章节 鲁米 岳母 翟氏 殷红 詹森 申请 欧洲 耿直 兰索 焦虑 俞氏 柳氮"
    " 祝贺 宁波 尚可 尚未 符合 舒适 舒张 纪录 梅毒 童年 凌晨 毕业 季节 裴氏 霍乱 霍奇 涂片 苗头"
    " 谷丙 谷草 谷氨 盛行 曲线 冉冉 蓝色 路径 游离 辛伐 管路 管腔 柴胡 鲍曼 华山 喻义 蒲公 房间"
    " 屈曲 饶恕 解剖 解除 艾滋 艾灸 尤其 阳光 时间 时候 农村 农药 司机 卓越 古代 吉兰 缪勒 简单"
    " 车祸 项链 连接 麦氏 景象 党员 宫颈 宫腔 宫内 费用 冷敷 冷却 席汉 卫生 米粉 柏油 宗教 桂枝"
    " 全血 应激 边界 师傅 和平 商量 沙眼 荣誉 桑椹 郎飞 巩膜 明天 池塘 查体 麻疹 官方 封闭 谈判"
    " 鞠躬 惠及 乐观 郁闷 南方 班级 储存 原因 原位 燕窝 楚楚 劳累 皮疹 皮下 皮肤 盘状 满意 闻及"
    " 位置 厉害 海绵 花生 权利 强化 屠呦 豆类 盖子 练习 井然 祖国 漆黑 巴比 丰富 支持 国内 国外"
    " 平均 平时 计算 索引 宣传 晋升 相对 相当 初期 门静 云南 容量 敬业 来源 来自 都市 普鲁 浦东"
    " 戈谢 伏立 鹿角 薄层 羊水 乌头 母亲 母乳 修复 杭州 况且 那些 宿舍 鲜血 印象 隆起 茹毛 诸多"
    " 战争 慕名 危害 玉米 银屑 哈欠 宾馆 利福 利奈 利妥 呼吸 呼气 居民 干扰 干燥 但是 元旦 信息"
    " 展开 阴性 阴道 智能 幸福 植物 衡量 富马 由来 伊曲 伊立 伊布 吉非 吉妥 索磷 沙利 沙库 来那"
    " 安罗 安慰 安全 文拉 万古 石杉 卜氏 单抗 单纯 单核 单位 单次 丁螺 丁丙 乌拉 艾塞 米非 米氮"
    " 米力 米库 康柏 包括 包裹 连用 项下 叶酸 任何 程度 龙骨 江南 高血 高钾 高钠 高钙 高脂 查房"
    " 查看 查询 查找 查阅 巡视 告知"
    # words that follow a cue such as 患者 / 家属 / 由 and start with a surname character
    " 曾出 曾经 曾有 曾行 曾予 曾服 曾因 曾于 曾在"
    " 曾做 曾患 曾发 曾多 安睡 安返 安排 安置 车辆 车上"
    " 经过 经治 经查 经皮 于今 于昨 于外 于我 于本 于当"
    " 于家 于院 于入 于术 于住 于门 于急 能够 能自"
    " 无明 无诱 未见 自行 自觉 目前"
    " 家中 既往 家人 家里 方便 明日 明晨 和家 和其 及时 以来 同意 同时"
    " 陪同 护送 送入 签字 签名 告诉 联系 表示 要求 拒绝 了解 理解 希望 考虑 计划"
    " 农民 农民工 工人 司机 个体 干部 教师 会计 职员 退休 无业 学生 军人 医务 商人 厨师 保安"
)


# -- English ---------------------------------------------------------------------------

EN_GIVEN = _words(
    """
    James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel
    Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy
    Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin
    Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry
    Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy
    Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse
    Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy
    Vincent Ralph Eugene Russell Bobby Mason Philip Louis Harry Howard Fred Earl Johnny Jimmy
    Antonio Danny Bradley Carlos Shawn Travis Luis Jesus Todd Chad Marcus Curtis Victor Martin
    Ernest Phillip Craig Alex Allen Stanley Leonard Dale Manuel Rodney Corey Derek Troy Mario
    Francisco Ricardo Miguel Dustin Clarence Cody Erik Edwin Lee Glenn Darrell Jay Tony Leroy
    Mitchell Calvin Jared Ray Don Eddie Jamie Ricky Seth Nathaniel Lance Marvin Kurt Oscar
    Vernon Herbert Norman Melvin Warren Lloyd Gordon Dean Wesley Clifford Cameron Shane Devin
    Trevor Caleb Evan Ian Luke Isaac Hunter Connor Owen Jackson Aiden Liam Lucas Carter Wyatt
    Jayden Gavin Landon Colton Cole Chase Blake Brett Derrick Marc Gilbert Ramon Roberto Rafael
    Pedro Fernando Javier Hector Ruben Raul Sergio Andres Alejandro Eduardo Julio Omar Angel
    Armando Enrique Jorge Guillermo Alberto Darius Tyrone Terrence Reginald Andre Jermaine
    Malik Darnell Cedric Lamar Wendell Clayton Garrett Grant Spencer Max Maxwell Oliver Leo
    Elliot Elliott Mathew Jaime Kelly Casey Tracy Dana Marshall Neil Glen Leon Lewis Ross
    Stuart Wallace Franklin Harvey Jerome Leslie Milton Lester Floyd Herman Gene Alvin Everett
    Cecil Chester Clyde Lonnie Claude Darren Kirk Brent Dwayne Byron Duane Tim Joel Randall
    Barry Bernard Johnathan Sam Frederick Francis Edgar Jim Tom Bill Bob Mike Steve Dave Jeff
    Chris Matt Nick Ben Dan Greg Ken Jon Rick Ron Tommy Kristopher Jeffery Joey Jimmie Allan
    Cory Micheal Dominic Xavier Bryce Devon Damon Brad Colin Jake Josh Isaiah Elias Adrian
    Sebastian Julian Hudson Ezra Levi Lincoln Jaxon Asher Miles Nolan Easton Brayden Jace
    Carson Declan Silas Ryder Bentley Kayden Parker Tristan Maddox Brody Emmett Rhett Jasper
    Dalton Drew Kenny Eli Emanuel Ivan Lorenzo Nelson Tomas Salvador Felix Jimmie Rudy Abraham
    Ronnie Gilberto Rogelio Ismael Marco Wilbur Horace Otis Homer Elmer Roland Hubert Percy
    Morris Irving Sidney Rufus Virgil Lowell Wilfred Luther Julius August Emil Alfred Benny
    Wade Kent Ted Eric Jerald Dewayne Kendall Marlon Quentin Kristian Deandre Dominique
    Reggie Rex Desmond Jarvis Bennie Kareem Maurice Orlando Gregg Kurtis Kerry Robin Perry
    Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty
    Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah
    Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma
    Nicole Helen Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria
    Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Lauren Christina Joan Evelyn
    Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances
    Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle
    Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Tiffany
    Crystal Anne Tammy Erin Tina Wanda Paula Kristen Kristin Kristina Katie Allison Alyssa Ava
    Mia Chloe Ella Lily Addison Aubrey Zoe Leah Audrey Brooke Paige Hailey Taylor Morgan Sydney
    Destiny Jasmine Erica Erika Vanessa Monica Veronica Stacy Stacey Tara Dawn April Holly
    Wendy Sheila Rose Lillian Lois Phyllis Norma Peggy Annie Rosa Louise Jane Mildred Kathy
    Connie Carmen Valerie Joanne Rita Ethel Gladys Irene Florence Edna Tamara Yolanda Lucy
    Ellen Gail Sherry Sue Vicki Bonnie Sally Jill Joann Lorraine Sylvia Marjorie Eileen
    Beatrice Josephine Alicia Jenna Caitlin Kaitlyn Kelsey Courtney Lindsey Lindsay Shannon
    Cassandra Krystal Kristy Katrina Melanie Misty Renee Regina Yvonne Felicia Jacquelyn
    Belinda Brandy Kim Toni Natasha Heidi Kari Latoya Ebony Keisha Tanya Sonia Sonya Angelica
    Adriana Gabriela Gabrielle Mariah Brianna Kaylee Savannah Claire Elena Sofia Camila Layla
    Riley Nora Hazel Violet Aurora Penelope Scarlett Stella Bella Naomi Ruby Eva Caroline
    Madeline Maya Molly Julia Lydia Vivian Alexandra Jocelyn Miranda Melinda Kara Carla Carrie
    Colleen Darlene Debbie Elaine Geraldine Harriet Ida Jeanette Jeanne Jenny Juanita Kay
    Laurie Leona Loretta Lynn Marcia Marion Maureen Nellie Pauline Roberta Rosemary Sherri
    Stacie Sheryl Terri Vera Viola Wilma Agnes Bertha Clara Edith Elsie Esther Hilda Lena Mabel
    Minnie Myrtle Pearl Thelma Velma Bessie Alma Tracey Kristi Shelby Mckenzie Makayla Alexa
    Ariana Kylie Jada Jordyn Gianna Brooklyn Skylar Autumn Nevaeh Sadie Piper Quinn Harper
    Avery Evelynn Emilia Valentina Luna Everly Willow Madelyn Allie Jillian Meghan Marissa
    Bridget Lacey Kendra Mallory Whitney Chelsea Hillary Casey Robyn Shauna Shawna Trisha
    Tricia Monique Dominique Jasmin Ashlee Charlene Lucille Rosie Georgia Johanna Margarita
    Guadalupe Marisol Maribel Araceli Leticia Claudia Patrice Bernice Ramona Rochelle Gina
    Dianne Jodi Janelle Joy Hope Faith Lorena Becky Candace Cindy Ginger Jeanine Jolene Doreen
    Iris Irma Jenifer Lila Lola Mae Marlene Nina Olga Sabrina Sherrie Susie Tonya Ursula
    Wanda Yvette Zoey Adrienne Alison Amelia Angie Billie Brittney Carole Cecilia Christie
    Daisy Deanna Della Delores Eleanor Eliza Estelle Eunice Fannie Flora Gwendolyn Hattie
    Henrietta Inez Jeannette Jessie Josefina Katharine Lauri Leigh Lora Lorie Lucinda Lynda
    Lynette Marcella Mattie Maxine Meredith Mona Myra Nadine Nichole Opal Patsy Priscilla
    Rosalie Roxanne Sonja Tabitha Tami Tasha Therese Traci Valeria Verna Wilda
    """
)

EN_SURNAMES = _words(
    """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
    Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
    Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres
    Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
    Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales
    Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos
    Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes
    Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry
    Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons
    Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole
    Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall
    Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman
    Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw
    Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone
    Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto
    Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen
    Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane
    Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
    Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega
    Watkins Greene Nunez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison
    Franklin Carlson Austin Dominguez Carr Lawson Jacobs Obrien O'Brien Lynch Singh Vega
    Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li
    Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas Marquez Fields
    Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson Acosta
    Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett
    Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers
    Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory
    Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters Cohen
    McDaniel Moran Parks Steele Vaughn Becker Holt Deleon Barker Terry Hale Leon Benson Haynes
    Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman
    Dawson Lara Fletcher Page McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein
    Salinas Fuentes Baldwin Daniel Simon Velasquez Hardy Higgins Aguirre Lin Cummings Chandler
    Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey Francis Griffith Paul Blair Oconnor
    O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan Rodgers Serrano
    Fitzgerald Rosales Stevenson Christensen Manning Gill Curry McLaughlin Harmon McGee Gross
    Doyle Garner Newton Burgess Reese Walton Blake Trujillo Adkins Brady Goodman Roman Webster
    Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu Hines Mullins Castaneda Malone Cannon
    Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia Saunders Franco Rowe Gallagher
    Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton Schroeder Maxwell Waters
    Logan Camacho Strickland Norman Person Colon Parsons Frank Harrington Glover Osborne
    Buchanan Casey Floyd Patton Ibarra Ball Tyler Suarez Bowers Orozco Salas Cobb Gibbs
    Andrade Bauer Conner Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope
    Lindsey Velazquez Norton McCormick Sparks Flynn Yates Hogan Marsh Macias Villanueva Zamora
    Pratt Stokes Owen Ballard Lang Brock Villarreal Charles Drake Barrera Cain Patrick Pineda
    Burnett Mercado Santana Shepherd Bautista Ali Shaffer Lamb Trevino McKenzie Hess Olsen
    Cochran Morton Nash Wilkins Petersen Briggs Shah Roth Nicholson Holloway Lozano Rangel
    Flowers Hoover Short Arias Mora Valenzuela Bryan Meyers Weiss Underwood Bass Greer Summers
    Houston Carson Morrow Clayton Whitaker Decker Yoder Collier Zuniga Carey Wilcox Melendez
    Poole Roberson Larsen Conley Davenport Copeland Massey Lam Huff Rocha Cameron Jefferson
    Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk Combs Mathis Christian Skinner
    Bradford Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce Atkinson Velez Meza Roy
    Vincent York Hodge Villa Abbott Allison Tapia Gates Chase Sosa Sweeney Farrell Wyatt Dalton
    Horn Barron Phelps Yu Dickerson Heath Foley Atkins Mathews Bonilla Acevedo Benitez Zavala
    Hensley Glenn Cisneros Harrell Shields Rubio Huffman Choi Boyer Garrison Arroyo Bond Kane
    Hancock Callahan Dillon Cline Wiggins Grimes Arellano Melton Oneill O'Neill Savage Ho
    Beltran Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan McDowell Marks Cantu
    Humphrey Baxter Sawyer Clay Tanner Hutchinson Kaur Berg Wiley Gilmore Russo Villegas Hobbs
    Keith Wilkerson Ahmed Beard McClain Montes Mata Rosario Vang Walter Henson Oneal Mosley
    McClure Beasley Stephenson Snow Huerta Preston Vance Barry Johns Eaton Blackwell Dyer Prince
    Macdonald Solomon Guevara Stafford English Hurst Woodard Cortes Shannon Kemp Nolan
    McCullough Merritt Murillo Moon Salgado Strong Kline Cordova Barajas Roach Rosas Winters
    Jacobson Lester Knox Bullock Kerr Leach Meadows Orr Davila Whitehead Pruitt Kent Conway
    McKee Barr David Dejesus Marin Berger McIntyre Blankenship Gaines Palacios Cuevas Bartlett
    Durham Dorsey McCall Odonnell O'Donnell Stein Browning Stout Lowery Sloan McLean Hendricks
    Calhoun Sexton Chung Gentry Hull Duarte Ellison Nielsen Gillespie Buck Middleton Sellers
    Leblanc Esparza Hardin Bradshaw McIntosh Howe Livingston Frost Glass Morse Knapp Herman
    Stark Bravo Noble Spears Weeks Corona Frederick Buckley McFarland Hebert Enriquez Hickman
    Quintero Randolph Schaefer Walls Trejo House Reilly Pennington Michael Conrad Giles
    Benjamin Crosby Fitzpatrick Donovan Mays Mahoney Valentine Raymond Medrano Hahn McMillan
    Small Bentley Felix Peck Lucero Boyle Hanna Pace Rush Hurley Harding McConnell Bernal Nava
    Ayers Everett Ventura Avery Pugh Mayer Bender Shepard McMahon Landry Case Sampson Moses
    Magana Blackburn Dunlap Gould Duffy Vaughan Herring McKay Espinosa Rivers Farley Bernard
    Ashley Friedman Potts Truong Costa Correa Blevins Nixon Clements Fry Delarosa Best Benton
    Lugo Portillo Dougherty Crane Haley Phan Villalobos Blanchard Horne Finley Quintana Lynn
    Esquivel Bean Dodson Mullen Xiong Hayden Cano Levy Huber Richmond Moyer Lim Frye Sheppard
    McCarty Avalos Booker Waller Parra Woodward Jaramillo Krueger Rasmussen Brandt Peralta
    Donaldson Stuart Faulkner Maynard Galindo Coffey Estes Sanford Burch Maddox Vo Oconnell
    Vu Andersen Spence McPherson Church Schmitt Stanton Leal Cherry Compton Dudley Sierra
    Pollard Alfaro Hester Proctor Lu Hinton Novak Good Madden McCann Terrell Jarvis Dickson
    Reyna Cantrell Mayo Branch Hendrix Rollins Rowland Whitney Duke Odom Daugherty Travis Tang
    Archer Ewing Mcgee Mckinney Mcdonald Mccoy Mcdaniel Mclaughlin Mccarthy Mcbride Mcguire
    Mccormick Mckenzie Mcclain Mcclure Mcintyre Mccall Mclean Mcintosh Mcfarland Mcmillan
    Mcconnell Mcmahon Mckay Mccarty Mcpherson Mccann Dunham Sherwood Goff Gamble Lott Whitley
    Wooten Stephens Kaiser Wilder Kidd Cantrell Sampson Mcknight Hutchins Hinton Poe Rollins
    Bowling Bauer Koenig Snider Bright Frey Cash Thorpe Rollins Stokes Petty Gillis Tillman
    """
)

# Capitalised words that start sentences or name clinical things: never a name token.
EN_NOT_NAME_WORDS = _words(
    """
    Preferred Send Board Tumor Teaching Correspondence Please Contact Email Phone
    The A An This That These Those There Then Than When Where While With Without Would Might
    Must Shall Should Can Could Please Patient Patients Pt Name Names Date Dates Age Sex Male
    Female Man Woman Boy Girl Mr Mrs Ms Dr Miss Doctor Nurse Attending Resident Fellow
    Physician Surgeon Provider Staff Team Service Clinic Hospital Medical Medicine Center
    Centre Health Healthcare Care University College School Institute Department Dept Division
    Unit  Floor Room Bed Emergency Intensive General Memorial Regional Community County
    City State National Federal Saint St Mount Mt Children Childrens Women Womens Veterans
    Affairs History Physical Exam Examination Assessment Plan Impression Diagnosis Diagnoses
    Chief Complaint Present Illness Past Family Social Review Systems Medications Medication
    Allergies Allergy Labs Lab Laboratory Results Result Imaging Radiology Pathology Report
    Reports Summary Discharge Admission Admitted Admit Follow Followup Up Instructions Note
    Notes Progress Consult Consultation Procedure Procedures Operative Operation Surgery
    Surgical Findings Finding Signs Sign Symptoms Symptom Vital Vitals Disease Diseases
    Syndrome Disorder Cancer Carcinoma Tumor Tumour Lymphoma Leukemia Sarcoma Stage Grade
    Score Scale Criteria Classification Type Class Test Tests Testing Study Trial Protocol
    Therapy Treatment Chemotherapy Radiotherapy Cycle  Week Month Year Today Tomorrow
    Yesterday Morning Evening Night Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March June July August September October November December
    Oncology Cardiology Neurology Nephrology Gastroenterology Hepatology Pulmonology Urology
    Dermatology Psychiatry Pediatrics Obstetrics Gynecology Orthopedics Ophthalmology
    Endocrinology Hematology Rheumatology Anesthesia Anesthesiology Internal Primary Critical
    Infectious Blood Pressure Heart Rate Temperature Weight Height No Yes None Normal
    Abnormal Negative Positive Left Right Bilateral Upper Lower Anterior Posterior Acute
    Chronic Severe Mild Moderate Stable Unstable New Old Other Total Free Per And Or Of For To
    From In On At By As Is Was Were Be Been Has Have Had Not Non Also All Any Each Every Some
    Most More Less Many Few Both Either Neither His Her Their Our Your My Its He She They We
    You It Who Whom Which What Why How Since Until After Before During Over Under Above Below
    Between About Around Against Among Through Via Am Are Do Does Did Done Continue Continued
    Start Started Stop Stopped Increase Decrease Hold Monitor Check Recheck Return Call
    Contact Phone Fax Email Address Street Avenue Road Drive  Court Suite Apt Box Office
    Insurance Medicare Medicaid Member Policy Group Account Number Record Records Chart Signed
    Electronically Dictated Transcribed Reviewed Approved Verified  Spanish Chinese
    American Asian African Hispanic Latino Caucasian Catholic Jewish Muslim Protestant Baptist
    Methodist Security Card Insulin Aspirin Metformin Warfarin Heparin Tylenol Lasix Coumadin
    Plavix Lipitor Zofran Ondansetron Morphine Fentanyl Oxycodone Prednisone Dexamethasone
    Ceftriaxone Vancomycin Fair Poor Better Worse Same Further Likely Unlikely Possible
    Probable Status Post Prior Pending Noted Denies Presents Presented Given Received Tolerated
    Mass Lesion Nodule Node Nodes Margin Margins Biopsy Specimen Tissue Cell Cells Count Level
    Levels Serum Plasma Urine Culture Panel Function Metabolic Complete Basic Comprehensive
    Independent Aetna Cigna Humana Anthem Blue  Shield United Healthcare
    Permanente Services Hospitalist Intern Student Pharmacy Pharmacist Therapist Worker
    Manager Coordinator Director Chair Professor Associate Assistant One Two Three Four Five
    Six Seven Eight Nine Ten Twelve Twenty Thirty Hundred First Second Third Fourth Fifth Last
    Next Days  Months Years Hours Minutes Times Daily Weekly Monthly Nightly Tablet
    Tablets Capsule Capsules Dose Doses Take Takes Taking Give Given Apply Use Used North South
    East  Central Lake Port Fort Saint Santa San Los Las New Old Upper Lower Great Ltd Inc LLC
    PLC Corp Co Company Partners Associates Holdings Bank Trust Foundation Solutions Systems
    Technologies Industries Enterprises Consulting Pharmaceuticals Labs Laboratories
    """
)

# Names that are also everyday capitalised words ("Will", "May", "Grace", "Young"): as a
# name token they need the other token of the name to be a listed name too.
EN_AMBIGUOUS_NAMES = _words(
    """
    Will May Mark Bill Art Dawn Hope Faith Joy Grace Summer Autumn Sunny Penny Guy Chance
    Sage Rain River Brook Young King Price Bell Hill Park Frank Grant Long Little Love Best
    Good Short Strong Small Rich Case House Church Branch Bush Wall Page Stone Rose Green Gray
    White Black Brown Wood Hall Lane Field Fields Day Rice Fox Wolf Lamb Ball Cash Bright Frost
    Snow Moon Glass Noble Golden Strong Wise Hope April Ivy Lily Violet Iris Pearl Ruby Crystal
    Amber Holly Heather Jade Olive Angel Major Miles Cole Clay Gray Reed Ray Dean Chase Hunter
    Mason Carter Taylor Jordan Morgan Parker Tanner Porter Cook Baker Turner Cooper Fisher
    Miller Gardner Wells English French Christian Jefferson Washington Lincoln Houston Austin
    Dallas Phoenix Denver Virginia Georgia Carolina Florence Paris Sydney Max Don Pat Sue
    Cross Day Lane Ward Weeks West
    """
)

# Eponyms that name diseases, signs, scores and procedures far more often than people. A
# name that is a common surname too (Wilson, Murphy) is handled by the word after it.
EN_EPONYMS = _words(
    """
    Parkinson Parkinson's Parkinsons Alzheimer Alzheimer's Alzheimers Crohn Crohn's Crohns
    Hodgkin Hodgkin's Hodgkins Kawasaki Cushing Cushing's Addison Addison's Hashimoto
    Hashimoto's Huntington Huntington's Tourette Tourette's Raynaud Raynaud's Sjogren
    Sjogren's Sjögren Marfan Klinefelter Guillain Barre Barré Gehrig Gehrig's Kaposi
    Ewing's Wilms Burkitt Paget Paget's Meniere Meniere's Peutz Jeghers Cowden Fraumeni
    McBurney Babinski Romberg Trousseau Chvostek Virchow Virchow's Apgar Gleason Breslow Dukes
    Whipple Whipple's Nissen Roux Billroth Hartmann Hartmann's Holter Doppler Karnofsky
    Wernicke Korsakoff Horner Horner's Brugada Kussmaul Cheyne Osler Janeway Kernig Brudzinski
    Rovsing Lhermitte Tinel Phalen Finkelstein Lachman McMurray Adson Spurling Hirschsprung
    Hirschsprung's Gaucher Fabry Pompe Niemann Krabbe Canavan Hurler Sanfilippo Morquio
    Duchenne Charcot Friedreich Friedreich's Ehlers Danlos Noonan Angelman Prader Willi Rett
    DiGeorge Patau Henoch Schonlein Schönlein Takayasu Behcet Behcet's Behçet Wegener
    Wegener's Churg Goodpasture Kimura Castleman Waldenstrom Waldenström Zollinger Budd Chiari
    Bartter Gitelman Liddle Sheehan Sheehan's Kallmann Asherman Leventhal Fallot Ebstein
    Eisenmenger Kartagener Boerhaave Zenker Zenker's Meckel Meckel's Ludwig's Merkel Spitz
    Dubin Crigler Najjar Caroli Alagille Reye Reye's Bornholm Lyme Chagas Monteggia Galeazzi
    Dupuytren Dupuytren's Osgood Schlatter Legg Calve Perthes Kienbock Scheuermann Bechterew
    Felty Felty's Sezary Sézary Krukenberg Courvoisier Kehr Mobitz Wenckebach Bazett
    Framingham Caprini Ranson Rockall Siewert Borrmann Bismuth Couinaud Okuda Bosniak Fuhrman
    Nottingham Durie Binet Enneking Masaoka Kawasaki's Down's Graves' Bell's Wilson's
    Murphy's Barrett's Lynch's Turner's Stokes-Adams Kaplan-Meier Fisher's Student's
    """
)
